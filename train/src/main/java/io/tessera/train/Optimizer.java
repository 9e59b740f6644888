package io.tessera.train;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGUFValue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * AdamW, AdEMAMix, SPAM and Stable-SPAM over F32 parameters, element-wise in float (bias corrections and
 * per-tensor statistics in double), so results do not depend on the thread count.
 *
 * <ul>
 * <li><b>adamw</b>: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr (wd w + (m/bc1) / (sqrt(v/bc2) + eps)),
 *     bc_i = 1 - b_i^t, with the decay term only on matrices (decoupled weight decay).</li>
 * <li><b>ademamix</b> ("The AdEMAMix Optimizer"): a slow EMA m2 = b3(t) m2 + (1-b3(t)) g is added to Adam's
 *     numerator: w -= lr (wd w + (m/bc1 + alpha(t) m2) / (sqrt(v/bc2) + eps)); alpha(t) rises linearly over
 *     alphaWarmup steps, b3(t) = min(exp(ln b1 ln b3 / ((1-t/T) ln b3 + (t/T) ln b1)), b3) over T = beta3Warmup
 *     steps (the paper's schedulers); no warm-up when those are 0.</li>
 * <li><b>spam</b> (SPAM): every resetInterval steps m and v are zeroed and the bias-correction count restarts;
 *     the learning rate then warms up again along a half cosine over resetWarmup steps; an entry whose
 *     g^2 > spamThreshold * v (v from before this step; not on the first step after a reset, v being 0) is
 *     clipped to sign(g) sqrt(spamThreshold * v).</li>
 * <li><b>stable-spam</b> (Stable-SPAM), per tensor and before the Adam update: adaptive spike clipping with
 *     mMax = theta mMax + (1-theta) max|g| and threshold mMax/(1-theta^t) (entries above it are scaled by
 *     threshold / max|g|); then the gradient is normalised to norm mNormHat / (sqrt(vNormHat) + eps) with
 *     mNorm, vNorm EMAs (gamma1, gamma2) of ||g|| and ||g||^2; momentum reset as in SPAM, without LR warm-up.</li>
 * </ul>
 */
public final class Optimizer {
    public enum Kind { ADAMW, ADEMAMIX, SPAM, STABLE_SPAM }

    private final TrainConfig c;
    private final Kind kind;
    private final List<Param> params;
    private final Map<Param, float[]> m = new LinkedHashMap<>(), v = new LinkedHashMap<>(), m2 = new LinkedHashMap<>();
    private final double[] mMax, mNorm, vNorm;
    /** Steps taken, and steps since the last momentum reset (the bias-correction count). */
    private long step, sinceReset, resets;

    public Optimizer(TrainConfig config, List<Param> params) {
        this.c = config;
        this.kind = switch (config.optimizer) {
            case "adamw" -> Kind.ADAMW;
            case "ademamix" -> Kind.ADEMAMIX;
            case "spam" -> Kind.SPAM;
            case "stable-spam" -> Kind.STABLE_SPAM;
            default -> throw new TesseraException("train config: optimizer '" + config.optimizer + "' (adamw, ademamix, spam, stable-spam)");
        };
        this.params = List.copyOf(params);
        for (Param p : this.params) {
            m.put(p, new float[p.size()]);
            v.put(p, new float[p.size()]);
            if (kind == Kind.ADEMAMIX) m2.put(p, new float[p.size()]);
        }
        mMax = new double[this.params.size()];
        mNorm = new double[this.params.size()];
        vNorm = new double[this.params.size()];
    }

    public Kind kind() {
        return kind;
    }

    public long steps() {
        return step;
    }

    /** Applies one update with learning rate {@code lr} to every parameter from its gradient {@code g}. */
    public void step(float lr) {
        step++;
        boolean resetting = (kind == Kind.SPAM || kind == Kind.STABLE_SPAM) && c.resetInterval > 0;
        if (resetting && step > 1 && (step - 1) % c.resetInterval == 0) {
            for (float[] a : m.values()) Arrays.fill(a, 0f);
            for (float[] a : v.values()) Arrays.fill(a, 0f);
            sinceReset = 0;
            resets++;
        }
        sinceReset++;
        long k = sinceReset;
        float bc1 = (float) (1 - Math.pow(c.beta1, k));
        float bc2 = (float) (1 - Math.pow(c.beta2, k));
        float b1 = c.beta1, b2 = c.beta2, eps = c.eps;
        float lrScale = 1f;
        if (kind == Kind.SPAM && resets > 0 && c.resetWarmup > 0 && k < c.resetWarmup) {
            lrScale = (float) (0.5 * (1 - Math.cos(Math.PI * k / c.resetWarmup)));
        }
        float alphaT = c.alpha, b3 = c.beta3;
        if (kind == Kind.ADEMAMIX) {
            if (c.alphaWarmup > 0) alphaT = (float) Math.min(step * (double) c.alpha / c.alphaWarmup, c.alpha);
            if (c.beta3Warmup > 0) {
                double f = Math.min(1.0, step / (double) c.beta3Warmup);
                double lb1 = Math.log(c.beta1), lb3 = Math.log(c.beta3);
                b3 = (float) Math.min(Math.exp(lb1 * lb3 / ((1 - f) * lb3 + f * lb1)), c.beta3);
            }
        }
        float lrT = lr * lrScale;
        for (int pi = 0; pi < params.size(); pi++) {
            Param p = params.get(pi);
            float[] w = p.w, g = p.g, mm = m.get(p), vv = v.get(p);
            float decay = p.decay ? lrT * c.weightDecay : 0f;
            if (kind == Kind.SPAM && c.spamThreshold > 0 && k > 1) {
                float th = c.spamThreshold;
                for (int i = 0; i < g.length; i++) {
                    float lim = th * vv[i];
                    if (g[i] * g[i] > lim) g[i] = Math.copySign((float) Math.sqrt(lim), g[i]);
                }
            }
            if (kind == Kind.STABLE_SPAM && !stableSpamScale(pi, g)) {
                if (decay != 0f) for (int i = 0; i < w.length; i++) w[i] -= decay * w[i];
                continue;
            }
            if (kind == Kind.ADEMAMIX) {
                float[] ms = m2.get(p);
                for (int i = 0; i < w.length; i++) {
                    float gi = g[i];
                    mm[i] = b1 * mm[i] + (1 - b1) * gi;
                    ms[i] = b3 * ms[i] + (1 - b3) * gi;
                    vv[i] = b2 * vv[i] + (1 - b2) * gi * gi;
                    float denom = (float) Math.sqrt(vv[i] / bc2) + eps;
                    w[i] -= decay * w[i] + lrT * ((mm[i] / bc1 + alphaT * ms[i]) / denom);
                }
            } else {
                for (int i = 0; i < w.length; i++) {
                    float gi = g[i];
                    mm[i] = b1 * mm[i] + (1 - b1) * gi;
                    vv[i] = b2 * vv[i] + (1 - b2) * gi * gi;
                    float denom = (float) Math.sqrt(vv[i] / bc2) + eps;
                    w[i] -= decay * w[i] + lrT * ((mm[i] / bc1) / denom);
                }
            }
        }
    }

    /** Stable-SPAM's adaptive clipping and norm scaling of one tensor's gradient; false when it is all zero. */
    private boolean stableSpamScale(int pi, float[] g) {
        double maxG = 0;
        for (float x : g) maxG = Math.max(maxG, Math.abs(x));
        mMax[pi] = c.theta * mMax[pi] + (1 - c.theta) * maxG;
        double threshold = mMax[pi] / (1 - Math.pow(c.theta, step));
        if (maxG > threshold) {
            float f = (float) (threshold / maxG);
            for (int i = 0; i < g.length; i++) if (Math.abs(g[i]) > threshold) g[i] *= f;
        }
        double sq = 0;
        for (float x : g) sq += (double) x * x;
        double norm = Math.sqrt(sq);
        if (norm == 0) return false;
        mNorm[pi] = c.gamma1 * mNorm[pi] + (1 - c.gamma1) * norm;
        vNorm[pi] = c.gamma2 * vNorm[pi] + (1 - c.gamma2) * norm * norm;
        double mHat = mNorm[pi] / (1 - Math.pow(c.gamma1, step));
        double vHat = vNorm[pi] / (1 - Math.pow(c.gamma2, step));
        float f = (float) (mHat / (Math.sqrt(vHat) + c.eps) / norm);
        for (int i = 0; i < g.length; i++) g[i] *= f;
        return true;
    }

    /** The per-element state tensors of a parameter, by suffix (m, v, and m2 for AdEMAMix). */
    Map<String, float[]> state(Param p) {
        Map<String, float[]> s = new LinkedHashMap<>();
        s.put("m", m.get(p));
        s.put("v", v.get(p));
        if (kind == Kind.ADEMAMIX) s.put("m2", m2.get(p));
        return s;
    }

    void saveScalars(BiConsumer<String, GGUFValue> out) {
        out.accept("step", GGUFValue.of(step));
        out.accept("since_reset", GGUFValue.of(sinceReset));
        out.accept("resets", GGUFValue.of(resets));
        out.accept("m_max", GGUFValue.of(toBits(mMax)));
        out.accept("m_norm", GGUFValue.of(toBits(mNorm)));
        out.accept("v_norm", GGUFValue.of(toBits(vNorm)));
    }

    void load(Map<String, GGUFValue> scalars, Map<String, float[]> tensors, String where) {
        step = scalar(scalars, "step", where).asLong();
        sinceReset = scalar(scalars, "since_reset", where).asLong();
        resets = scalar(scalars, "resets", where).asLong();
        fromBits((String[]) scalar(scalars, "m_max", where).value(), mMax, where);
        fromBits((String[]) scalar(scalars, "m_norm", where).value(), mNorm, where);
        fromBits((String[]) scalar(scalars, "v_norm", where).value(), vNorm, where);
        for (Param p : params) {
            for (Map.Entry<String, float[]> e : state(p).entrySet()) {
                float[] src = tensors.get(p.name + "." + e.getKey());
                if (src == null || src.length != e.getValue().length) {
                    throw new TesseraException(where + ": optimizer state '" + p.name + "." + e.getKey() + "' missing or of the wrong size");
                }
                System.arraycopy(src, 0, e.getValue(), 0, src.length);
            }
        }
    }

    private static GGUFValue scalar(Map<String, GGUFValue> s, String key, String where) {
        GGUFValue x = s.get(key);
        if (x == null) throw new TesseraException(where + ": optimizer state 'training.optimizer." + key + "' missing");
        return x;
    }

    // doubles stored exactly as hex bit patterns (GGUF float arrays are F32)
    private static String[] toBits(double[] a) {
        String[] s = new String[a.length];
        for (int i = 0; i < a.length; i++) s[i] = Long.toHexString(Double.doubleToRawLongBits(a[i]));
        return s;
    }

    private static void fromBits(String[] s, double[] a, String where) {
        if (s.length != a.length) throw new TesseraException(where + ": optimizer statistics for " + s.length + " tensors, expected " + a.length);
        for (int i = 0; i < a.length; i++) a[i] = Double.longBitsToDouble(Long.parseUnsignedLong(s[i], 16));
    }
}
