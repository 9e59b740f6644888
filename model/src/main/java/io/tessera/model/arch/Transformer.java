package io.tessera.model.arch;

import io.tessera.model.Parallel;
import io.tessera.model.tensor.PreparedInput;
import io.tessera.model.tensor.WeightTensor;

import java.util.HashMap;
import java.util.Map;

/**
 * The forward pass of the llama family (llama, qwen2, qwen3) for one token at a time, written to follow
 * llama.cpp's arithmetic: RMSNorm with a double sum, rope angles by repeated multiplication in float,
 * an F16 KV cache with queries rounded to F16, and weights multiplied with activations in the weight
 * type's dot format (see {@link WeightTensor}).
 */
public final class Transformer {
    private final ModelConfig c;
    private final Weights w;

    public Transformer(ModelConfig config, Weights weights) {
        this.c = config;
        this.w = weights;
    }

    public ModelConfig config() {
        return c;
    }

    public Weights weights() {
        return w;
    }

    /** Buffers and KV cache of one sequence. Not thread-safe. */
    public final class State {
        final float[] x = new float[c.dim()];
        final float[] xb = new float[Math.max(c.dim(), c.qDim())];
        final float[] xb2 = new float[c.dim()];
        final float[] q = new float[c.qDim()];
        final float[] k = new float[c.kvDim()];
        final float[] v = new float[c.kvDim()];
        final float[] att = new float[c.qDim()];
        final float[] hb = new float[c.ffnDim()];
        final float[] hb2 = new float[c.ffnDim()];
        public final float[] logits = new float[c.vocabSize()];
        final float[] ropeCos = new float[c.ropeDim() / 2];
        final float[] ropeSin = new float[c.ropeDim() / 2];
        final Map<Long, PreparedInput> inputs = new HashMap<>();
        public final KVCache cache;
        final Parallel parallel;

        State(int contextLength, Parallel parallel) {
            this.cache = new KVCache(c.layers(), c.kvDim(), contextLength);
            this.parallel = parallel;
        }

        PreparedInput input(WeightTensor t) {
            long key = ((long) t.type().ordinal() << 32) | t.cols();
            return inputs.computeIfAbsent(key, k2 -> t.newInput());
        }
    }

    public State newState(int contextLength, Parallel parallel) {
        return new State(contextLength, parallel);
    }

    /** Runs token {@code token} at position {@code pos}; fills {@code s.logits} when {@code logits} is true. */
    public void forward(State s, int token, int pos, boolean logits) {
        s.cache.ensureCapacity(pos + 1);
        w.tokenEmbedding.dequantizeRow(token, s.x, 0);
        ropeAngles(s, pos);
        int dim = c.dim();
        for (int l = 0; l < c.layers(); l++) {
            Weights.Layer L = w.layers[l];
            rmsnorm(s.xb, s.x, L.attnNorm(), dim, c.rmsEps());
            matvec(s, L.wq(), s.xb, s.q);
            matvec(s, L.wk(), s.xb, s.k);
            matvec(s, L.wv(), s.xb, s.v);
            if (L.bq() != null) {
                add(s.q, L.bq());
                add(s.k, L.bk());
                add(s.v, L.bv());
            }
            if (L.qNorm() != null) {
                for (int h = 0; h < c.heads(); h++) rmsnormInPlace(s.q, h * c.headDim(), L.qNorm(), c.headDim(), c.rmsEps());
                for (int h = 0; h < c.kvHeads(); h++) rmsnormInPlace(s.k, h * c.headDim(), L.kNorm(), c.headDim(), c.rmsEps());
            }
            for (int h = 0; h < c.heads(); h++) rope(s, s.q, h * c.headDim());
            for (int h = 0; h < c.kvHeads(); h++) rope(s, s.k, h * c.headDim());
            s.cache.store(l, pos, s.k, s.v);
            attention(s, l, pos);
            matvec(s, L.wo(), s.att, s.xb2);
            add(s.x, s.xb2);

            rmsnorm(s.xb, s.x, L.ffnNorm(), dim, c.rmsEps());
            matvec(s, L.wGate(), s.xb, s.hb);
            matvec(s, L.wUp(), s.xb, s.hb2);
            float[] hb = s.hb, hb2 = s.hb2;
            for (int i = 0; i < c.ffnDim(); i++) {
                float g = hb[i];
                hb[i] = g / (1.0f + (float) Math.exp(-g)) * hb2[i];
            }
            matvec(s, L.wDown(), s.hb, s.xb2);
            add(s.x, s.xb2);
        }
        if (logits) {
            rmsnorm(s.xb, s.x, w.outputNorm, dim, c.rmsEps());
            matvec(s, w.output, s.xb, s.logits);
        }
    }

    private void matvec(State s, WeightTensor t, float[] x, float[] out) {
        PreparedInput in = t.prepare(x, 0, s.input(t));
        s.parallel.forRange(t.rows(), (from, to) -> t.matvec(in, out, 0, from, to));
    }

    /**
     * Attention as llama.cpp's CPU flash-attention kernel computes it with an F16 cache: the query rounded
     * to F16, one pass over the cache with an online softmax, and the weighted sum of values accumulated
     * in F16 (each update rounded), divided by the softmax denominator at the end. Matching this, rather
     * than a textbook two-pass softmax, is what brings the logits to llama.cpp's last digits.
     */
    private void attention(State s, int layer, int pos) {
        int headDim = c.headDim();
        int kvDim = c.kvDim();
        int group = c.heads() / c.kvHeads();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        short[] keys = s.cache.keys(layer);
        short[] values = s.cache.values(layer);
        int n = pos + 1;
        s.parallel.forRange(c.heads(), (from, to) -> {
            float[] q16 = new float[headDim];
            for (int h = from; h < to; h++) {
                int qo = h * headDim;
                int ko = (h / group) * headDim;
                float[] acc = s.att; // accumulates in att[qo .. qo + headDim), every value an F16 number
                for (int i = 0; i < headDim; i++) {
                    q16[i] = f16(s.q[qo + i]);
                    acc[qo + i] = 0f;
                }
                float max = Float.NEGATIVE_INFINITY;
                float sum = 0f;
                for (int t = 0; t < n; t++) {
                    int base = t * kvDim + ko;
                    float dot = 0f;
                    for (int i = 0; i < headDim; i++) dot += q16[i] * Float.float16ToFloat(keys[base + i]);
                    float score = dot * scale;
                    float ms = 1f, vs = 1f;
                    if (score > max) {
                        float old = max;
                        max = score;
                        ms = (float) Math.exp(old - max);
                        for (int i = 0; i < headDim; i++) acc[qo + i] = f16(acc[qo + i] * ms);
                    } else {
                        vs = (float) Math.exp(score - max);
                    }
                    for (int i = 0; i < headDim; i++) acc[qo + i] = f16(acc[qo + i] + Float.float16ToFloat(values[base + i]) * vs);
                    sum = sum * ms + vs;
                }
                float inv = 1f / sum;
                for (int i = 0; i < headDim; i++) acc[qo + i] *= inv;
            }
        });
    }

    private static float f16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    private void ropeAngles(State s, int pos) {
        int half = c.ropeDim() / 2;
        float thetaScale = (float) Math.pow(c.ropeTheta(), -2.0 / c.ropeDim());
        float theta = pos;
        for (int i = 0; i < half; i++) {
            float ff = w.ropeFreqs != null ? w.ropeFreqs[i] : 1f;
            float angle = c.ropeFreqScale() * (theta / ff);
            s.ropeCos[i] = (float) Math.cos(angle);
            s.ropeSin[i] = (float) Math.sin(angle);
            theta *= thetaScale;
        }
    }

    private void rope(State s, float[] vec, int off) {
        int half = c.ropeDim() / 2;
        if (c.architecture().rope == Architecture.RopeStyle.NORMAL) {
            for (int i = 0; i < half; i++) {
                float x0 = vec[off + 2 * i], x1 = vec[off + 2 * i + 1];
                vec[off + 2 * i] = x0 * s.ropeCos[i] - x1 * s.ropeSin[i];
                vec[off + 2 * i + 1] = x0 * s.ropeSin[i] + x1 * s.ropeCos[i];
            }
        } else {
            for (int i = 0; i < half; i++) {
                float x0 = vec[off + i], x1 = vec[off + i + half];
                vec[off + i] = x0 * s.ropeCos[i] - x1 * s.ropeSin[i];
                vec[off + i + half] = x0 * s.ropeSin[i] + x1 * s.ropeCos[i];
            }
        }
    }

    static void rmsnorm(float[] out, float[] x, float[] weight, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (double) (x[i] * x[i]);
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < n; i++) out[i] = (x[i] * scale) * weight[i];
    }

    static void rmsnormInPlace(float[] x, int off, float[] weight, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (double) (x[off + i] * x[off + i]);
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < n; i++) x[off + i] = (x[off + i] * scale) * weight[i];
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < y.length && i < x.length; i++) x[i] += y[i];
    }
}
