package io.tessera.train;

import io.tessera.model.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Forward and backward of the non-matmul operations of a llama block on row-major float[] activations of
 * {@code n} tokens. Forward passes follow the inference Transformer's arithmetic (RMSNorm sum in double,
 * rope angles by repeated multiplication in float, SiLU as g / (1 + exp(-g))). Backward passes accumulate
 * (+=) into gradient buffers, each element owned by one thread with a fixed order of additions.
 */
final class Ops {
    private Ops() {}

    // ---------------------------------------------------------------- RMSNorm

    /** out[t] = x[t] * r[t] * weight, r[t] = 1 / sqrt(mean(x[t]^2) + eps); stores r. */
    static void rmsnormForward(Parallel p, float[] out, float[] x, float[] weight, float[] r, int n, int dim, float eps) {
        p.forRange(n, (from, to) -> {
            for (int t = from; t < to; t++) {
                int o = t * dim;
                double sum = 0;
                for (int i = 0; i < dim; i++) sum += (double) (x[o + i] * x[o + i]);
                float mean = (float) (sum / dim);
                float scale = 1.0f / (float) Math.sqrt(mean + eps);
                r[t] = scale;
                for (int i = 0; i < dim; i++) out[o + i] = (x[o + i] * scale) * weight[i];
            }
        });
    }

    /**
     * dx[t] += r (dy * w) - x r^3 / dim * sum(dy * w * x); dWeight += sum_t dy[t] * x[t] * r[t].
     */
    static void rmsnormBackward(Parallel p, float[] dy, float[] x, float[] weight, float[] r, float[] dx, float[] dWeight, int n, int dim) {
        p.forRange(n, (from, to) -> {
            for (int t = from; t < to; t++) {
                int o = t * dim;
                float rt = r[t];
                double dot = 0;
                for (int i = 0; i < dim; i++) dot += (double) dy[o + i] * weight[i] * x[o + i];
                float c = (float) (dot * rt * rt * rt / dim);
                for (int i = 0; i < dim; i++) dx[o + i] += rt * (dy[o + i] * weight[i]) - x[o + i] * c;
            }
        });
        for (int t = 0; t < n; t++) {
            int o = t * dim;
            float rt = r[t];
            for (int i = 0; i < dim; i++) dWeight[i] += dy[o + i] * x[o + i] * rt;
        }
    }

    // ---------------------------------------------------------------- RoPE

    /** cos/sin tables [pos][half] exactly as the inference Transformer computes its angles. */
    static float[][] ropeTables(int maxPos, int ropeDim, float ropeTheta) {
        int half = ropeDim / 2;
        float[] cos = new float[maxPos * half], sin = new float[maxPos * half];
        float thetaScale = (float) Math.pow(ropeTheta, -2.0 / ropeDim);
        for (int pos = 0; pos < maxPos; pos++) {
            float theta = pos;
            for (int i = 0; i < half; i++) {
                float angle = 1f * (theta / 1f);
                cos[pos * half + i] = (float) Math.cos(angle);
                sin[pos * half + i] = (float) Math.sin(angle);
                theta *= thetaScale;
            }
        }
        return new float[][]{cos, sin};
    }

    /**
     * Rotates adjacent pairs of every head of x [n x heads*headDim] in place by the angle of the token's
     * position (llama's "normal" rope); {@code inverse} applies the transpose rotation (the backward pass).
     */
    static void rope(float[] x, int n, int heads, int headDim, int[] positions, float[] cos, float[] sin, boolean inverse) {
        int half = headDim / 2;
        int width = heads * headDim;
        for (int t = 0; t < n; t++) {
            int pb = positions[t] * half;
            for (int h = 0; h < heads; h++) {
                int off = t * width + h * headDim;
                for (int i = 0; i < half; i++) {
                    float c = cos[pb + i], s = inverse ? -sin[pb + i] : sin[pb + i];
                    float x0 = x[off + 2 * i], x1 = x[off + 2 * i + 1];
                    x[off + 2 * i] = x0 * c - x1 * s;
                    x[off + 2 * i + 1] = x0 * s + x1 * c;
                }
            }
        }
    }

    // ---------------------------------------------------------------- attention

    /** Vector species of the attention loops (the head dimension; a scalar tail handles the rest). */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** sum_d a[ao + d] * b[bo + d]: lanes of fused multiply-adds, then the tail in order. */
    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int d = 0;
        float dot = 0f;
        int bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; d < bound; d += S.length()) acc = FloatVector.fromArray(S, a, ao + d).fma(FloatVector.fromArray(S, b, bo + d), acc);
            dot = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; d < n; d++) dot += a[ao + d] * b[bo + d];
        return dot;
    }

    /** y[yo + d] += alpha * x[xo + d]. */
    private static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int d = 0;
        int bound = S.loopBound(n);
        if (bound > 0) {
            FloatVector a = FloatVector.broadcast(S, alpha);
            for (; d < bound; d += S.length()) {
                FloatVector.fromArray(S, x, xo + d).fma(a, FloatVector.fromArray(S, y, yo + d)).intoArray(y, yo + d);
            }
        }
        for (; d < n; d++) y[yo + d] = Math.fma(x[xo + d], alpha, y[yo + d]);
    }

    /**
     * Causal attention within documents: query t of a row attends keys t - positions[t] .. t (the tokens of
     * its own document up to itself). q [n x heads*hd], k, v [n x kvHeads*hd], out [n x heads*hd]; stores
     * the log-sum-exp of each query's scores in lse [n x heads] for the backward pass. The loops over the head
     * dimension use the Vector API; every result depends only on the inputs (not on the thread count).
     */
    static void attentionForward(Parallel p, float[] q, float[] k, float[] v, float[] out, float[] lse, int[] positions,
                                 int rows, int seqLen, int heads, int kvHeads, int hd) {
        int group = heads / kvHeads;
        int qw = heads * hd, kw = kvHeads * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        p.forRange(rows * heads, (from, to) -> {
            float[] sc = new float[seqLen];
            for (int task = from; task < to; task++) {
                int b = task / heads, h = task % heads, kh = h / group;
                for (int i = 0; i < seqLen; i++) {
                    int tq = b * seqLen + i;
                    int start = tq - positions[tq];
                    int qo = tq * qw + h * hd;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int tk = start; tk <= tq; tk++) {
                        float s = dot(q, qo, k, tk * kw + kh * hd, hd) * scale;
                        sc[tk - start] = s;
                        if (s > max) max = s;
                    }
                    float sum = 0f;
                    for (int tk = start; tk <= tq; tk++) {
                        float e = (float) Math.exp(sc[tk - start] - max);
                        sc[tk - start] = e;
                        sum += e;
                    }
                    float inv = 1f / sum;
                    java.util.Arrays.fill(out, qo, qo + hd, 0f);
                    for (int tk = start; tk <= tq; tk++) axpy(sc[tk - start] * inv, v, tk * kw + kh * hd, out, qo, hd);
                    lse[tq * heads + h] = max + (float) Math.log(sum);
                }
            }
        });
    }

    /**
     * Backward of {@link #attentionForward}, recomputing the probabilities from q, k and lse. Split by
     * (row, kv head): each task owns dk, dv of its kv head and dq of the query heads sharing it.
     * dq, dk, dv are accumulated (+=).
     */
    static void attentionBackward(Parallel p, float[] q, float[] k, float[] v, float[] out, float[] lse, float[] dout,
                                  float[] dq, float[] dk, float[] dv, int[] positions,
                                  int rows, int seqLen, int heads, int kvHeads, int hd) {
        int group = heads / kvHeads;
        int qw = heads * hd, kw = kvHeads * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        p.forRange(rows * kvHeads, (from, to) -> {
            for (int task = from; task < to; task++) {
                int b = task / kvHeads, kh = task % kvHeads;
                for (int h = kh * group; h < (kh + 1) * group; h++) {
                    for (int i = 0; i < seqLen; i++) {
                        int tq = b * seqLen + i;
                        int start = tq - positions[tq];
                        int qo = tq * qw + h * hd;
                        float dsum = dot(dout, qo, out, qo, hd);
                        float l = lse[tq * heads + h];
                        for (int tk = start; tk <= tq; tk++) {
                            int ko = tk * kw + kh * hd;
                            float pr = (float) Math.exp(dot(q, qo, k, ko, hd) * scale - l);
                            axpy(pr, dout, qo, dv, ko, hd);
                            float dp = dot(dout, qo, v, ko, hd);
                            float ds = pr * (dp - dsum) * scale;
                            axpy(ds, k, ko, dq, qo, hd);
                            axpy(ds, q, qo, dk, ko, hd);
                        }
                    }
                }
            }
        });
    }

    // ---------------------------------------------------------------- SwiGLU

    /** h = silu(gate) * up. */
    static void swigluForward(Parallel p, float[] gate, float[] up, float[] h, int n, int ffn) {
        p.forRange(n, (from, to) -> {
            for (int i = from * ffn; i < to * ffn; i++) {
                float g = gate[i];
                h[i] = g / (1.0f + (float) Math.exp(-g)) * up[i];
            }
        });
    }

    /** dgate += dh * up * sig(g) (1 + g (1 - sig(g))); dup += dh * silu(g). */
    static void swigluBackward(Parallel p, float[] gate, float[] up, float[] dh, float[] dgate, float[] dup, int n, int ffn) {
        p.forRange(n, (from, to) -> {
            for (int i = from * ffn; i < to * ffn; i++) {
                float g = gate[i];
                float sg = 1.0f / (1.0f + (float) Math.exp(-g));
                dgate[i] += dh[i] * up[i] * sg * (1f + g * (1f - sg));
                dup[i] += dh[i] * g * sg;
            }
        });
    }

    // ---------------------------------------------------------------- cross-entropy

    /** Per token: lse[t] = log sum exp logits[t], loss[t] = lse[t] - logits[t][target[t]]. */
    static void crossEntropyForward(Parallel p, float[] logits, int[] targets, float[] lse, float[] loss, int n, int vocab) {
        p.forRange(n, (from, to) -> {
            for (int t = from; t < to; t++) {
                int o = t * vocab;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < vocab; j++) max = Math.max(max, logits[o + j]);
                double sum = 0;
                for (int j = 0; j < vocab; j++) sum += Math.exp(logits[o + j] - max);
                lse[t] = max + (float) Math.log(sum);
                loss[t] = lse[t] - logits[o + targets[t]];
            }
        });
    }

    /** dlogits[t] = scale[t] * (softmax(logits[t]) - onehot(target[t])) (overwrites). */
    static void crossEntropyBackward(Parallel p, float[] logits, int[] targets, float[] lse, float[] scale, float[] dlogits, int n, int vocab) {
        p.forRange(n, (from, to) -> {
            for (int t = from; t < to; t++) {
                int o = t * vocab;
                float s = scale[t];
                if (s == 0f) {
                    java.util.Arrays.fill(dlogits, o, o + vocab, 0f);
                    continue;
                }
                float l = lse[t];
                for (int j = 0; j < vocab; j++) dlogits[o + j] = s * (float) Math.exp(logits[o + j] - l);
                dlogits[o + targets[t]] -= s;
            }
        });
    }
}
