package io.tessera.train;

import io.tessera.TesseraException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Update steps of each optimizer against values worked out by hand (step 1) and the papers' formulas in double. */
class OptimizerTest {

    static TrainConfig cfg(String opt) {
        TrainConfig c = TrainConfig.defaults();
        c.optimizer = opt;
        c.beta1 = 0.9f;
        c.beta2 = 0.95f;
        c.eps = 1e-8f;
        c.weightDecay = 0.1f;
        return c.validate();
    }

    static Param param(float... w) {
        Param p = new Param("blk.0.attn_q.weight", 1, w.length, true);
        System.arraycopy(w, 0, p.w, 0, w.length);
        return p;
    }

    @Test
    void adamwFirstStepIsSignTimesLrPlusDecay() {
        Param p = param(1f, -0.5f);
        Optimizer o = new Optimizer(cfg("adamw"), List.of(p));
        p.g[0] = 0.5f;
        p.g[1] = -2f;
        o.step(0.1f);
        // bias-corrected m/sqrt(v) = g/|g| on step 1; w -= lr*wd*w + lr*sign(g)
        assertThat(p.w[0]).isCloseTo(1f - 0.01f - 0.1f, within(1e-6f));
        assertThat(p.w[1]).isCloseTo(-0.5f + 0.005f + 0.1f, within(1e-6f));
    }

    @Test
    void adamwThreeStepsMatchTheFormula() {
        Param p = param(0.3f);
        TrainConfig c = cfg("adamw");
        Optimizer o = new Optimizer(c, List.of(p));
        double w = 0.3, m = 0, v = 0;
        float[] gs = {0.2f, -0.1f, 0.4f};
        float[] lrs = {0.01f, 0.02f, 0.015f};
        for (int t = 1; t <= 3; t++) {
            float g = gs[t - 1];
            p.g[0] = g;
            o.step(lrs[t - 1]);
            m = 0.9 * m + 0.1 * g;
            v = 0.95 * v + 0.05 * g * g;
            double mh = m / (1 - Math.pow(0.9, t)), vh = v / (1 - Math.pow(0.95, t));
            w = w - lrs[t - 1] * 0.1 * w - lrs[t - 1] * mh / (Math.sqrt(vh) + 1e-8);
            assertThat((double) p.w[0]).as("step %d", t).isCloseTo(w, within(1e-6));
        }
    }

    @Test
    void normWeightsAreNotDecayed() {
        Param n = new Param("output_norm.weight", 1, 1, false);
        n.w[0] = 1f;
        Optimizer o = new Optimizer(cfg("adamw"), List.of(n));
        n.g[0] = 0f;
        o.step(0.1f);
        assertThat(n.w[0]).isEqualTo(1f);
    }

    @Test
    void ademamixAddsTheSlowEmaWithWarmups() {
        TrainConfig c = cfg("ademamix");
        c.beta3 = 0.999f;
        c.alpha = 4f;
        c.alphaWarmup = 4;
        c.beta3Warmup = 4;
        c.weightDecay = 0f;
        Param p = param(0f);
        Optimizer o = new Optimizer(c, List.of(p));
        // step 1 by hand: alpha(1) = 1, beta3(1) from the paper's scheduler, m1hat = g, v hat = g^2
        p.g[0] = 1f;
        o.step(0.1f);
        double lb1 = Math.log(0.9), lb3 = Math.log(0.999f);
        double b3 = Math.min(Math.exp(lb1 * lb3 / (0.75 * lb3 + 0.25 * lb1)), 0.999f);
        double m2 = (1 - b3) * 1;
        assertThat((double) p.w[0]).isCloseTo(-0.1 * (1 + 1 * m2) / (1 + 1e-8), within(1e-6));
        // steps 2..6 against the formula (alpha reaches 4 at step 4, beta3 reaches 0.999)
        double w = p.w[0], m1 = 0.1, v = 0.05;
        for (int t = 2; t <= 6; t++) {
            float g = t % 2 == 0 ? -0.5f : 0.25f;
            p.g[0] = g;
            o.step(0.1f);
            double f = Math.min(1.0, t / 4.0);
            double b3t = Math.min(Math.exp(lb1 * lb3 / ((1 - f) * lb3 + f * lb1)), 0.999f);
            double alpha = Math.min(t * 4.0 / 4, 4);
            m1 = 0.9 * m1 + 0.1 * g;
            m2 = b3t * m2 + (1 - b3t) * g;
            v = 0.95 * v + 0.05 * g * g;
            w -= 0.1 * (m1 / (1 - Math.pow(0.9, t)) + alpha * m2) / (Math.sqrt(v / (1 - Math.pow(0.95, t))) + 1e-8);
            assertThat((double) p.w[0]).as("step %d", t).isCloseTo(w, within(2e-5));
        }
    }

    @Test
    void spamClipsSpikesAndResetsMomentum() {
        TrainConfig c = cfg("spam");
        c.weightDecay = 0f;
        c.spamThreshold = 100f;
        c.resetInterval = 3;
        c.resetWarmup = 2;
        Param p = param(0f);
        Optimizer o = new Optimizer(c, List.of(p));
        p.g[0] = 0.1f;
        o.step(1f); // v = 0.05 * 0.01 = 5e-4, w = -1 (sign)
        assertThat(p.w[0]).isCloseTo(-1f, within(1e-6f));
        p.g[0] = 10f; // spike: 100 > 100 * 5e-4, clipped to sqrt(100 * 5e-4) = 0.2236
        o.step(1f);
        double gc = Math.sqrt(100 * 5e-4f);
        double m = 0.9 * 0.01 + 0.1 * gc, v = 0.95 * 5e-4f + 0.05 * gc * gc;
        double w = -1 - (m / (1 - 0.81)) / (Math.sqrt(v / (1 - 0.9025)) + 1e-8);
        assertThat((double) p.w[0]).isCloseTo(w, within(1e-5));
        p.g[0] = 0.3f;
        o.step(1f);
        // step 4 = 1 + resetInterval: m, v zeroed, bias correction restarts, lr scaled by the cosine warm-up
        p.g[0] = 5f; // no clipping right after a reset (v = 0)
        float before = p.w[0];
        o.step(1f);
        double scale = 0.5 * (1 - Math.cos(Math.PI * 1 / 2));
        assertThat((double) (p.w[0] - before)).isCloseTo(-scale * 1.0, within(1e-5));
    }

    @Test
    void stableSpamNormalisesAndClipsAdaptively() {
        TrainConfig c = cfg("stable-spam");
        c.weightDecay = 0f;
        c.gamma1 = 0.7f;
        c.gamma2 = 0.9f;
        c.theta = 0.999f;
        c.resetInterval = 0;
        Param p = param(0f, 0f);
        Optimizer o = new Optimizer(c, List.of(p));
        // step 1: mMax hat = max|g| (no clipping); norm scaled to mNormHat / sqrt(vNormHat) = 1; Adam step 1 = sign
        p.g[0] = 3f;
        p.g[1] = -4f;
        o.step(0.1f);
        assertThat(p.w[0]).isCloseTo(-0.1f, within(1e-6f));
        assertThat(p.w[1]).isCloseTo(0.1f, within(1e-6f));
        // step 2 with a spike in entry 0: threshold = mMax_hat = (0.999*0.001*4 + 0.001*40)/(1-0.999^2)
        p.g[0] = 40f;
        p.g[1] = 1f;
        o.step(0.1f);
        double mMax = 0.001 * 4;
        mMax = 0.999 * mMax + 0.001 * 40;
        double thr = mMax / (1 - 0.999 * 0.999);
        double g0 = 40 * thr / 40, g1 = 1; // entries above the threshold scaled by thr / max|g|
        double norm = Math.sqrt(g0 * g0 + g1 * g1);
        double mN = 0.3 * 5, vN = 0.1 * 25;
        mN = 0.7 * mN + 0.3 * norm;
        vN = 0.9 * vN + 0.1 * norm * norm;
        double f = mN / (1 - 0.49) / (Math.sqrt(vN / (1 - 0.81)) + 1e-8) / norm;
        double[] w = {-0.1, 0.1};
        double[] gPrev = {0.6, -0.8}; // step-1 gradient after scaling to norm 1
        double[] gNow = {g0 * f, g1 * f};
        for (int i = 0; i < 2; i++) {
            double m = 0.9 * 0.1 * gPrev[i] + 0.1 * gNow[i];
            double v = 0.95 * 0.05 * gPrev[i] * gPrev[i] + 0.05 * gNow[i] * gNow[i];
            double expect = w[i] - 0.1 * (m / 0.19) / (Math.sqrt(v / (1 - 0.9025)) + 1e-8);
            assertThat((double) p.w[i]).as("entry %d", i).isCloseTo(expect, within(1e-5));
        }
    }

    @Test
    void learningRateSchedules() {
        TrainConfig c = TrainConfig.defaults();
        c.lr = 1f;
        c.minLr = 0.1f;
        c.warmup = 10;
        c.scheduleSteps = 110;
        assertThat(LrSchedule.at(c, 1)).isCloseTo(0.1f, within(1e-6f));
        assertThat(LrSchedule.at(c, 10)).isCloseTo(1f, within(1e-6f));
        assertThat(LrSchedule.at(c, 60)).isCloseTo(0.55f, within(1e-6f)); // cosine half-way
        assertThat(LrSchedule.at(c, 110)).isCloseTo(0.1f, within(1e-6f));
        assertThat(LrSchedule.at(c, 500)).isCloseTo(0.1f, within(1e-6f));
        c.schedule = "linear";
        assertThat(LrSchedule.at(c, 35)).isCloseTo(0.775f, within(1e-6f));
        c.schedule = "constant";
        assertThat(LrSchedule.at(c, 80)).isEqualTo(1f);
    }

    @Test
    void badConfigs() {
        assertThatThrownBy(() -> TrainConfig.defaults().set("learningRate", "1")).isInstanceOf(TesseraException.class)
                .hasMessageContaining("unknown key 'learningRate'");
        assertThatThrownBy(() -> TrainConfig.defaults().set("dim", "abc")).hasMessageContaining("key 'dim'");
        TrainConfig c = TrainConfig.defaults();
        c.dim = 30;
        c.heads = 4;
        assertThatThrownBy(c::validate).hasMessageContaining("not a multiple of heads");
        TrainConfig d = TrainConfig.defaults();
        d.optimizer = "sgd";
        assertThatThrownBy(d::validate).hasMessageContaining("optimizer 'sgd'");
        TrainConfig e = TrainConfig.defaults();
        e.layers = 0;
        assertThatThrownBy(e::validate).hasMessage("train config: layers must be positive, got 0");
    }
}
