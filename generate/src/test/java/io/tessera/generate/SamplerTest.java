package io.tessera.generate;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {
    private static final int[] NO_HISTORY = new int[0];

    @Test
    void greedyTakesHighestLogitAndLowestIdOnTies() {
        Sampler s = new Sampler(SamplerConfig.greedy());
        assertThat(s.sample(new float[]{1f, 3f, 2f}, NO_HISTORY, 0)).isEqualTo(1);
        assertThat(s.sample(new float[]{5f, 1f, 5f}, NO_HISTORY, 0)).isEqualTo(0);
    }

    @Test
    void distributionIsSoftmaxAtTemperatureOverTopK() {
        float[] logits = {0f, 2f, 1f, -1f};
        float t = 0.7f;
        Sampler s = new Sampler(new SamplerConfig(t, 2, 1f, 0f, 1f, 0f, 0f, 64, 1));
        float[] p = s.distribution(logits);
        double a = Math.exp(2 / t), b = Math.exp(1 / t);
        assertThat(p[1]).isCloseTo((float) (a / (a + b)), within(1e-6f));
        assertThat(p[2]).isCloseTo((float) (b / (a + b)), within(1e-6f));
        assertThat(p[0]).isZero();
        assertThat(p[3]).isZero();
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // probabilities 0.5, 0.3, 0.2 at temperature 1
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.2)};
        float[] p = new Sampler(new SamplerConfig(1f, 0, 0.7f, 0f, 1f, 0f, 0f, 64, 1)).distribution(logits);
        assertThat(p[0]).isCloseTo(0.625f, within(1e-5f));
        assertThat(p[1]).isCloseTo(0.375f, within(1e-5f));
        assertThat(p[2]).isZero();
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTopProbability() {
        float[] logits = {(float) Math.log(0.6), (float) Math.log(0.3), (float) Math.log(0.1)};
        float[] p = new Sampler(new SamplerConfig(1f, 0, 1f, 0.2f, 1f, 0f, 0f, 64, 1)).distribution(logits);
        assertThat(p[2]).isZero();
        assertThat(p[0]).isCloseTo(2f / 3, within(1e-5f));
    }

    @Test
    void penaltiesFollowLlamaCppRules() {
        float[] logits = {2f, -2f, 1f, 1f};
        int[] history = {0, 1, 2, 2};
        Sampler s = new Sampler(new SamplerConfig(0f, 0, 1f, 0f, 2f, 0.5f, 0.25f, 64, 1));
        s.sample(logits, history, history.length);
        assertThat(logits[0]).isEqualTo(2f / 2 - 0.25f - 0.5f);
        assertThat(logits[1]).isEqualTo(-2f * 2 - 0.25f - 0.5f);
        assertThat(logits[2]).isEqualTo(1f / 2 - 2 * 0.25f - 0.5f);
        assertThat(logits[3]).isEqualTo(1f);
    }

    @Test
    void seededSamplingIsReproducibleAndFollowsTheDistribution() {
        float[] logits = {0f, 1f, 2f, 0.5f};
        SamplerConfig c = new SamplerConfig(1f, 0, 1f, 0f, 1f, 0f, 0f, 64, 42);
        Sampler a = new Sampler(c), b = new Sampler(c);
        int n = 40_000;
        int[] counts = new int[4];
        for (int i = 0; i < n; i++) {
            int x = a.sample(logits.clone(), NO_HISTORY, 0);
            assertThat(b.sample(logits.clone(), NO_HISTORY, 0)).isEqualTo(x);
            counts[x]++;
        }
        double z = 0;
        for (float l : logits) z += Math.exp(l);
        double chi2 = 0;
        for (int i = 0; i < 4; i++) {
            double expected = n * Math.exp(logits[i]) / z;
            chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
        }
        // 3 degrees of freedom: P(chi2 > 16.27) = 0.001
        assertThat(chi2).isLessThan(16.27);
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> new Sampler(SamplerConfig.greedy().withTopP(0f))).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new Sampler(SamplerConfig.greedy().withTopK(-1))).hasMessageContaining("top-k");
    }
}
