package io.tessera.train;

import io.tessera.model.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The three matrix products of a linear layer y = x W^T, with x [n x in], W [out x in], y [n x out],
 * row-major float[]: forward, gradient of the input (dx += dy W) and of the weights (dW += dy^T x).
 * Vector API inner loops, split over the {@link Parallel} pool.
 *
 * <p>Determinism: every output element is owned by one thread and computed by the same sequence of
 * fused multiply-adds in the same order whatever the split (blocking changes which elements are computed
 * together, never the arithmetic of one element). Lane sums are reduced in lane order, not with
 * {@code reduceLanes}, whose order is unspecified. So results are bit-identical for any thread count.
 */
final class Kernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final int TOKEN_BLOCK = 32;

    private Kernels() {}

    /** y[t][o] = sum_i x[t][i] W[o][i] (overwrites y). */
    static void forward(Parallel p, float[] x, float[] w, float[] y, int n, int in, int out) {
        p.forRange(out, (from, to) -> forwardRows(x, w, y, n, in, out, from, to));
    }

    static void forwardRows(float[] x, float[] w, float[] y, int n, int in, int out, int from, int to) {
        float[] lanes = new float[L];
        int bound = S.loopBound(in);
        for (int t0 = 0; t0 < n; t0 += TOKEN_BLOCK) {
            int t1 = Math.min(n, t0 + TOKEN_BLOCK);
            int o = from;
            for (; o + 4 <= to; o += 4) {
                int w0 = o * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
                int t = t0;
                // 4 outputs x 2 tokens: each weight vector loaded once feeds two tokens (same arithmetic per element)
                for (; t + 2 <= t1; t += 2) {
                    int xo = t * in, xp = xo + in;
                    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                    int i = 0;
                    for (; i < bound; i += L) {
                        FloatVector xv = FloatVector.fromArray(S, x, xo + i), xw = FloatVector.fromArray(S, x, xp + i);
                        FloatVector v0 = FloatVector.fromArray(S, w, w0 + i), v1 = FloatVector.fromArray(S, w, w1 + i);
                        FloatVector v2 = FloatVector.fromArray(S, w, w2 + i), v3 = FloatVector.fromArray(S, w, w3 + i);
                        a0 = v0.fma(xv, a0);
                        a1 = v1.fma(xv, a1);
                        a2 = v2.fma(xv, a2);
                        a3 = v3.fma(xv, a3);
                        b0 = v0.fma(xw, b0);
                        b1 = v1.fma(xw, b1);
                        b2 = v2.fma(xw, b2);
                        b3 = v3.fma(xw, b3);
                    }
                    float s0 = sum(a0, lanes), s1 = sum(a1, lanes), s2 = sum(a2, lanes), s3 = sum(a3, lanes);
                    float r0 = sum(b0, lanes), r1 = sum(b1, lanes), r2 = sum(b2, lanes), r3 = sum(b3, lanes);
                    for (; i < in; i++) {
                        float xi = x[xo + i], xj = x[xp + i];
                        s0 = Math.fma(w[w0 + i], xi, s0);
                        s1 = Math.fma(w[w1 + i], xi, s1);
                        s2 = Math.fma(w[w2 + i], xi, s2);
                        s3 = Math.fma(w[w3 + i], xi, s3);
                        r0 = Math.fma(w[w0 + i], xj, r0);
                        r1 = Math.fma(w[w1 + i], xj, r1);
                        r2 = Math.fma(w[w2 + i], xj, r2);
                        r3 = Math.fma(w[w3 + i], xj, r3);
                    }
                    int yo = t * out + o, yp = yo + out;
                    y[yo] = s0;
                    y[yo + 1] = s1;
                    y[yo + 2] = s2;
                    y[yo + 3] = s3;
                    y[yp] = r0;
                    y[yp + 1] = r1;
                    y[yp + 2] = r2;
                    y[yp + 3] = r3;
                }
                for (; t < t1; t++) {
                    int xo = t * in;
                    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                    int i = 0;
                    for (; i < bound; i += L) {
                        FloatVector xv = FloatVector.fromArray(S, x, xo + i);
                        a0 = FloatVector.fromArray(S, w, w0 + i).fma(xv, a0);
                        a1 = FloatVector.fromArray(S, w, w1 + i).fma(xv, a1);
                        a2 = FloatVector.fromArray(S, w, w2 + i).fma(xv, a2);
                        a3 = FloatVector.fromArray(S, w, w3 + i).fma(xv, a3);
                    }
                    float s0 = sum(a0, lanes), s1 = sum(a1, lanes), s2 = sum(a2, lanes), s3 = sum(a3, lanes);
                    for (; i < in; i++) {
                        float xi = x[xo + i];
                        s0 = Math.fma(w[w0 + i], xi, s0);
                        s1 = Math.fma(w[w1 + i], xi, s1);
                        s2 = Math.fma(w[w2 + i], xi, s2);
                        s3 = Math.fma(w[w3 + i], xi, s3);
                    }
                    int yo = t * out + o;
                    y[yo] = s0;
                    y[yo + 1] = s1;
                    y[yo + 2] = s2;
                    y[yo + 3] = s3;
                }
            }
            for (; o < to; o++) {
                int w0 = o * in;
                for (int t = t0; t < t1; t++) {
                    int xo = t * in;
                    FloatVector a0 = FloatVector.zero(S);
                    int i = 0;
                    for (; i < bound; i += L) {
                        a0 = FloatVector.fromArray(S, w, w0 + i).fma(FloatVector.fromArray(S, x, xo + i), a0);
                    }
                    float s0 = sum(a0, lanes);
                    for (; i < in; i++) s0 = Math.fma(w[w0 + i], x[xo + i], s0);
                    y[t * out + o] = s0;
                }
            }
        }
    }

    private static float sum(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = 0f;
        for (int k = 0; k < lanes.length; k++) s += lanes[k];
        return s;
    }

    /** dx[t][i] += sum_o dy[t][o] W[o][i], accumulated over o in increasing order. */
    static void backwardInput(Parallel p, float[] dy, float[] w, float[] dx, int n, int in, int out) {
        p.forRange(n, (from, to) -> backwardInputRows(dy, w, dx, n, in, out, from, to));
    }

    static void backwardInputRows(float[] dy, float[] w, float[] dx, int n, int in, int out, int from, int to) {
        int bound = S.loopBound(in);
        int t = from;
        for (; t + 4 <= to; t += 4) {
            int x0 = t * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
            int d0 = t * out, d1 = d0 + out, d2 = d1 + out, d3 = d2 + out;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector a0 = FloatVector.fromArray(S, dx, x0 + i), a1 = FloatVector.fromArray(S, dx, x1 + i);
                FloatVector a2 = FloatVector.fromArray(S, dx, x2 + i), a3 = FloatVector.fromArray(S, dx, x3 + i);
                for (int o = 0; o < out; o++) {
                    FloatVector wv = FloatVector.fromArray(S, w, o * in + i);
                    a0 = wv.fma(FloatVector.broadcast(S, dy[d0 + o]), a0);
                    a1 = wv.fma(FloatVector.broadcast(S, dy[d1 + o]), a1);
                    a2 = wv.fma(FloatVector.broadcast(S, dy[d2 + o]), a2);
                    a3 = wv.fma(FloatVector.broadcast(S, dy[d3 + o]), a3);
                }
                a0.intoArray(dx, x0 + i);
                a1.intoArray(dx, x1 + i);
                a2.intoArray(dx, x2 + i);
                a3.intoArray(dx, x3 + i);
            }
            for (; i < in; i++) {
                float s0 = dx[x0 + i], s1 = dx[x1 + i], s2 = dx[x2 + i], s3 = dx[x3 + i];
                for (int o = 0; o < out; o++) {
                    float wv = w[o * in + i];
                    s0 = Math.fma(wv, dy[d0 + o], s0);
                    s1 = Math.fma(wv, dy[d1 + o], s1);
                    s2 = Math.fma(wv, dy[d2 + o], s2);
                    s3 = Math.fma(wv, dy[d3 + o], s3);
                }
                dx[x0 + i] = s0;
                dx[x1 + i] = s1;
                dx[x2 + i] = s2;
                dx[x3 + i] = s3;
            }
        }
        for (; t < to; t++) {
            int x0 = t * in, d0 = t * out;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector a0 = FloatVector.fromArray(S, dx, x0 + i);
                for (int o = 0; o < out; o++) a0 = FloatVector.fromArray(S, w, o * in + i).fma(FloatVector.broadcast(S, dy[d0 + o]), a0);
                a0.intoArray(dx, x0 + i);
            }
            for (; i < in; i++) {
                float s0 = dx[x0 + i];
                for (int o = 0; o < out; o++) s0 = Math.fma(w[o * in + i], dy[d0 + o], s0);
                dx[x0 + i] = s0;
            }
        }
    }

    /** dW[o][i] += sum_t dy[t][o] x[t][i], accumulated over t in increasing order. */
    static void backwardWeight(Parallel p, float[] dy, float[] x, float[] dw, int n, int in, int out) {
        p.forRange(out, (from, to) -> backwardWeightRows(dy, x, dw, n, in, out, from, to));
    }

    static void backwardWeightRows(float[] dy, float[] x, float[] dw, int n, int in, int out, int from, int to) {
        int bound = S.loopBound(in);
        int o = from;
        for (; o + 4 <= to; o += 4) {
            int w0 = o * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector a0 = FloatVector.fromArray(S, dw, w0 + i), a1 = FloatVector.fromArray(S, dw, w1 + i);
                FloatVector a2 = FloatVector.fromArray(S, dw, w2 + i), a3 = FloatVector.fromArray(S, dw, w3 + i);
                for (int t = 0; t < n; t++) {
                    FloatVector xv = FloatVector.fromArray(S, x, t * in + i);
                    int d = t * out + o;
                    a0 = xv.fma(FloatVector.broadcast(S, dy[d]), a0);
                    a1 = xv.fma(FloatVector.broadcast(S, dy[d + 1]), a1);
                    a2 = xv.fma(FloatVector.broadcast(S, dy[d + 2]), a2);
                    a3 = xv.fma(FloatVector.broadcast(S, dy[d + 3]), a3);
                }
                a0.intoArray(dw, w0 + i);
                a1.intoArray(dw, w1 + i);
                a2.intoArray(dw, w2 + i);
                a3.intoArray(dw, w3 + i);
            }
            for (; i < in; i++) {
                float s0 = dw[w0 + i], s1 = dw[w1 + i], s2 = dw[w2 + i], s3 = dw[w3 + i];
                for (int t = 0; t < n; t++) {
                    float xv = x[t * in + i];
                    int d = t * out + o;
                    s0 = Math.fma(xv, dy[d], s0);
                    s1 = Math.fma(xv, dy[d + 1], s1);
                    s2 = Math.fma(xv, dy[d + 2], s2);
                    s3 = Math.fma(xv, dy[d + 3], s3);
                }
                dw[w0 + i] = s0;
                dw[w1 + i] = s1;
                dw[w2 + i] = s2;
                dw[w3 + i] = s3;
            }
        }
        for (; o < to; o++) {
            int w0 = o * in;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector a0 = FloatVector.fromArray(S, dw, w0 + i);
                for (int t = 0; t < n; t++) a0 = FloatVector.fromArray(S, x, t * in + i).fma(FloatVector.broadcast(S, dy[t * out + o]), a0);
                a0.intoArray(dw, w0 + i);
            }
            for (; i < in; i++) {
                float s0 = dw[w0 + i];
                for (int t = 0; t < n; t++) s0 = Math.fma(x[t * in + i], dy[t * out + o], s0);
                dw[w0 + i] = s0;
            }
        }
    }
}
