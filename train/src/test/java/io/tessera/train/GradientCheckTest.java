package io.tessera.train;

import io.tessera.model.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every backward pass against central finite differences. The forward passes run in float, so each check
 * takes a random projection L = sum r_i y_i of the op's output (accumulated in double), steps of 1e-2
 * (single ops) or 1e-3 (the whole model, whose larger curvature makes 1e-2 steps too coarse)
 * and states its bound on the relative error ||g - fd|| / ||fd|| over all checked entries (1e-2 for
 * the single ops, 2e-2 for the whole model), plus that the gradient is not trivially zero. The matmul
 * kernels, being exact sums, are checked against a double-precision reference instead (relative 1e-5).
 */
class GradientCheckTest {
    static final Parallel PAR = new Parallel(2);
    static final Parallel ONE = new Parallel(1);

    @AfterAll
    static void close() {
        PAR.close();
    }

    static float[] gaussian(SplittableRandom r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * std);
        return a;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** Relative error between analytic and central-difference gradients of {@code loss} w.r.t. x[idx]. */
    static double check(float[] x, float[] analytic, DoubleSupplier loss, double h, int[] idx) {
        double num = 0, den = 0;
        for (int i : idx) {
            float old = x[i];
            x[i] = (float) (old + h);
            double hp = x[i] - old;
            double lp = loss.getAsDouble();
            x[i] = (float) (old - h);
            double hm = old - x[i];
            double lm = loss.getAsDouble();
            x[i] = old;
            double fd = (lp - lm) / (hp + hm);
            num += (analytic[i] - fd) * (analytic[i] - fd);
            den += fd * fd;
        }
        assertThat(den).as("finite-difference gradient is not zero").isGreaterThan(1e-12);
        return Math.sqrt(num / den);
    }

    static int[] all(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    static int[] sample(SplittableRandom r, int n, int k) {
        if (n <= k) return all(n);
        int[] a = new int[k];
        for (int i = 0; i < k; i++) a[i] = r.nextInt(n);
        return a;
    }

    @Test
    void matmulKernelsMatchDoubleReference() {
        SplittableRandom r = new SplittableRandom(1);
        int n = 13, in = 37, out = 23; // not multiples of the vector length or of the 4-row blocks
        float[] x = gaussian(r, n * in, 1), w = gaussian(r, out * in, 1), dy = gaussian(r, n * out, 1);
        float[] y = new float[n * out];
        Kernels.forward(PAR, x, w, y, n, in, out);
        float[] dx = gaussian(r, n * in, 1), dx0 = dx.clone();
        Kernels.backwardInput(PAR, dy, w, dx, n, in, out);
        float[] dw = gaussian(r, out * in, 1), dw0 = dw.clone();
        Kernels.backwardWeight(PAR, dy, x, dw, n, in, out);
        for (int t = 0; t < n; t++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) s += (double) x[t * in + i] * w[o * in + i];
                assertThat((double) y[t * out + o]).isCloseTo(s, org.assertj.core.api.Assertions.within(1e-5 * in));
            }
            for (int i = 0; i < in; i++) {
                double s = dx0[t * in + i];
                for (int o = 0; o < out; o++) s += (double) dy[t * out + o] * w[o * in + i];
                assertThat((double) dx[t * in + i]).isCloseTo(s, org.assertj.core.api.Assertions.within(1e-5 * out));
            }
        }
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double s = dw0[o * in + i];
                for (int t = 0; t < n; t++) s += (double) dy[t * out + o] * x[t * in + i];
                assertThat((double) dw[o * in + i]).isCloseTo(s, org.assertj.core.api.Assertions.within(1e-5 * n));
            }
        }
        // any split of the rows gives the same bits
        float[] y2 = new float[n * out];
        Kernels.forwardRows(x, w, y2, n, in, out, 0, 5);
        Kernels.forwardRows(x, w, y2, n, in, out, 5, 6);
        Kernels.forwardRows(x, w, y2, n, in, out, 6, out);
        assertThat(y2).containsExactly(y);
        float[] dw2 = dw0.clone();
        Kernels.backwardWeightRows(dy, x, dw2, n, in, out, 0, 3);
        Kernels.backwardWeightRows(dy, x, dw2, n, in, out, 3, out);
        assertThat(dw2).containsExactly(dw);
        float[] dx2 = dx0.clone();
        Kernels.backwardInputRows(dy, w, dx2, n, in, out, 0, 1);
        Kernels.backwardInputRows(dy, w, dx2, n, in, out, 1, n);
        assertThat(dx2).containsExactly(dx);
    }

    @Test
    void rmsnorm() {
        SplittableRandom r = new SplittableRandom(2);
        int n = 3, dim = 10;
        float[] x = gaussian(r, n * dim, 1), wt = gaussian(r, dim, 1), proj = gaussian(r, n * dim, 1);
        float[] out = new float[n * dim], rs = new float[n];
        DoubleSupplier loss = () -> {
            Ops.rmsnormForward(PAR, out, x, wt, rs, n, dim, 1e-5f);
            return dot(out, proj);
        };
        loss.getAsDouble();
        float[] dx = new float[n * dim], dw = new float[dim];
        Ops.rmsnormBackward(PAR, proj, x, wt, rs, dx, dw, n, dim);
        assertThat(check(x, dx, loss, 1e-2, all(n * dim))).isLessThan(1e-2);
        assertThat(check(wt, dw, loss, 1e-2, all(dim))).isLessThan(1e-2);
    }

    @Test
    void ropeBackwardIsTheTransposeRotation() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 5, heads = 2, hd = 8;
        int[] pos = {0, 1, 2, 0, 1};
        float[][] tab = Ops.ropeTables(8, hd, 10000f);
        float[] x = gaussian(r, n * heads * hd, 1), proj = gaussian(r, n * heads * hd, 1);
        DoubleSupplier loss = () -> {
            float[] y = x.clone();
            Ops.rope(y, n, heads, hd, pos, tab[0], tab[1], false);
            return dot(y, proj);
        };
        float[] dx = proj.clone();
        Ops.rope(dx, n, heads, hd, pos, tab[0], tab[1], true);
        assertThat(check(x, dx, loss, 1e-2, all(x.length))).isLessThan(1e-3);
    }

    @Test
    void attentionWithDocumentMaskAndGroupedHeads() {
        attention(4);  // shorter than a vector: the scalar tail only
    }

    @Test
    void attentionWithVectorLanesAndTail() {
        attention(40); // 2 x 16 + 8 lanes (AVX-512), 5 x 8 (AVX2): vector loops and, on AVX-512, the tail
    }

    private void attention(int hd) {
        SplittableRandom r = new SplittableRandom(4);
        int rows = 2, T = 6, heads = 4, kvHeads = 2, n = rows * T;
        int[] pos = {0, 1, 2, 0, 1, 2, /* row 2 */ 0, 1, 2, 3, 4, 0};
        float[] q = gaussian(r, n * heads * hd, 1), k = gaussian(r, n * kvHeads * hd, 1), v = gaussian(r, n * kvHeads * hd, 1);
        float[] proj = gaussian(r, n * heads * hd, 1);
        float[] out = new float[n * heads * hd], lse = new float[n * heads];
        DoubleSupplier loss = () -> {
            Ops.attentionForward(PAR, q, k, v, out, lse, pos, rows, T, heads, kvHeads, hd);
            return dot(out, proj);
        };
        loss.getAsDouble();
        float[] dq = new float[q.length], dk = new float[k.length], dv = new float[v.length];
        Ops.attentionBackward(PAR, q, k, v, out, lse, proj, dq, dk, dv, pos, rows, T, heads, kvHeads, hd);
        assertThat(check(q, dq, loss, 1e-2, all(q.length))).isLessThan(1e-2);
        assertThat(check(k, dk, loss, 1e-2, all(k.length))).isLessThan(1e-2);
        assertThat(check(v, dv, loss, 1e-2, all(v.length))).isLessThan(1e-2);

        // the document mask: changing a token of the first document leaves the second one's output alone
        Ops.attentionForward(PAR, q, k, v, out, lse, pos, rows, T, heads, kvHeads, hd);
        float[] before = out.clone();
        k[1 * kvHeads * hd] += 1f;
        v[1 * kvHeads * hd] += 1f;
        Ops.attentionForward(PAR, q, k, v, out, lse, pos, rows, T, heads, kvHeads, hd);
        for (int i = 3 * heads * hd; i < n * heads * hd; i++) assertThat(out[i]).isEqualTo(before[i]);
        assertThat(out[1 * heads * hd]).isNotEqualTo(before[1 * heads * hd]);
    }

    @Test
    void swiglu() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 3, f = 7;
        float[] g = gaussian(r, n * f, 2), u = gaussian(r, n * f, 1), proj = gaussian(r, n * f, 1), h = new float[n * f];
        DoubleSupplier loss = () -> {
            Ops.swigluForward(PAR, g, u, h, n, f);
            return dot(h, proj);
        };
        float[] dg = new float[n * f], du = new float[n * f];
        Ops.swigluBackward(PAR, g, u, proj, dg, du, n, f);
        assertThat(check(g, dg, loss, 1e-2, all(n * f))).isLessThan(1e-2);
        assertThat(check(u, du, loss, 1e-2, all(n * f))).isLessThan(1e-2);
    }

    @Test
    void crossEntropyWithWeights() {
        SplittableRandom r = new SplittableRandom(6);
        int n = 4, V = 9;
        float[] z = gaussian(r, n * V, 2);
        int[] tg = {3, 0, 8, 5};
        float[] scale = {0.5f, 0f, 0.25f, 0.25f};
        float[] lse = new float[n], loss = new float[n];
        DoubleSupplier l = () -> {
            Ops.crossEntropyForward(PAR, z, tg, lse, loss, n, V);
            double s = 0;
            for (int t = 0; t < n; t++) s += scale[t] * loss[t];
            return s;
        };
        l.getAsDouble();
        float[] dz = new float[n * V];
        Ops.crossEntropyBackward(PAR, z, tg, lse, scale, dz, n, V);
        assertThat(check(z, dz, l, 1e-2, all(n * V))).isLessThan(1e-2);
        for (int j = 0; j < V; j++) assertThat(dz[V + j]).isZero(); // masked token
    }

    static TrainConfig tiny() {
        TrainConfig c = TrainConfig.defaults();
        c.dim = 16;
        c.layers = 2;
        c.heads = 4;
        c.kvHeads = 2;
        c.ffn = 24;
        c.vocab = 11;
        c.seqLen = 8;
        c.batch = 2;
        c.initStd = 0.3f;
        return c.validate();
    }

    static Batch tinyBatch() {
        int[] tokens = {1, 4, 2, 7, 3, 9, 1, 5, /* row 2 */ 2, 2, 8, 10, 0, 6, 3, 3};
        int[] targets = {4, 2, 7, 3, 9, 1, 5, 0, /* row 2 */ 2, 8, 10, 0, 6, 3, 3, 1};
        int[] pos = {0, 1, 2, 3, 0, 1, 2, 3, /* row 2 */ 0, 1, 2, 3, 4, 5, 0, 1};
        float[] w = {1, 1, 1, 0.5f, 1, 1, 1, 0, 1, 2, 1, 1, 1, 1, 0, 1};
        return new Batch(2, 8, tokens, targets, w, pos);
    }

    @Test
    void wholeModelUntied() {
        wholeModel(false);
    }

    @Test
    void wholeModelTied() {
        wholeModel(true);
    }

    private void wholeModel(boolean tied) {
        TrainConfig c = tiny();
        c.tied = tied;
        Params p = new Params(c);
        // norms away from 1 so their gradients are exercised in general position
        SplittableRandom r = new SplittableRandom(7);
        for (Param t : p.all()) if (!t.isMatrix()) for (int i = 0; i < t.size(); i++) t.w[i] = 1f + (float) (0.3 * r.nextGaussian());
        TrainModel m = new TrainModel(c, p, ONE);
        Batch b = tinyBatch();
        m.forward(b);
        p.zeroGrad();
        m.backward();
        DoubleSupplier loss = () -> m.forward(b);
        for (Param t : p.all()) {
            float[] g = t.g.clone();
            double err = check(t.w, g, loss, 1e-3, sample(r, t.size(), 24));
            assertThat(err).as(t.name).isLessThan(2e-2);
        }
    }
}
