package io.tessera.train;

import io.tessera.TesseraException;
import io.tessera.model.Parallel;

import java.util.Arrays;

/**
 * Forward and backward passes of a {@code llama} model over a {@link Batch} of packed rows, with every
 * activation the backward pass needs kept from the forward pass (attention probabilities are recomputed
 * from the saved log-sum-exp instead of stored). Gradients are accumulated into {@link Param#g}.
 *
 * <p>Usage: {@link #forward(Batch)} (logits and per-token losses), optionally {@link #setLossWeights} to
 * change which tokens count, {@link #loss()}, then {@link #backward()}.
 */
public final class TrainModel {
    private final TrainConfig c;
    private final Params p;
    private final Parallel par;
    private final float[] ropeCos, ropeSin;

    private Batch batch;
    private int n = -1;
    // per layer activations
    private float[][] xIn, attnR, xnA, q, k, v, lse, att, xMid, ffnR, xnF, gate, up, hAct;
    private float[] xOut, outR, xnOut, logits, tokLse, tokLoss, lossScale;
    private float[] weights;
    private double weightSum;
    // gradient scratch
    private float[] dX, dXn, dAtt, dQ, dK, dV, dH, dGate, dUp, dLogits;

    public TrainModel(TrainConfig config, Params params, Parallel parallel) {
        this.c = config;
        this.p = params;
        this.par = parallel;
        float[][] tables = Ops.ropeTables(c.seqLen, c.headDim(), c.ropeTheta);
        this.ropeCos = tables[0];
        this.ropeSin = tables[1];
    }

    public Params params() {
        return p;
    }

    private void ensure(int tokens) {
        if (n == tokens) return;
        n = tokens;
        int L = c.layers, d = c.dim, qd = c.qDim(), kd = c.kvDim(), f = c.ffn;
        xIn = new float[L][n * d];
        attnR = new float[L][n];
        xnA = new float[L][n * d];
        q = new float[L][n * qd];
        k = new float[L][n * kd];
        v = new float[L][n * kd];
        lse = new float[L][n * c.heads];
        att = new float[L][n * qd];
        xMid = new float[L][n * d];
        ffnR = new float[L][n];
        xnF = new float[L][n * d];
        gate = new float[L][n * f];
        up = new float[L][n * f];
        hAct = new float[L][n * f];
        xOut = new float[n * d];
        outR = new float[n];
        xnOut = new float[n * d];
        logits = new float[n * c.vocab];
        tokLse = new float[n];
        tokLoss = new float[n];
        lossScale = new float[n];
        dX = new float[n * d];
        dXn = new float[n * d];
        dAtt = new float[n * qd];
        dQ = new float[n * qd];
        dK = new float[n * kd];
        dV = new float[n * kd];
        dH = new float[n * f];
        dGate = new float[n * f];
        dUp = new float[n * f];
        dLogits = new float[n * c.vocab];
    }

    /** Runs the batch forward; returns the weighted mean cross-entropy with the batch's own weights. */
    public double forward(Batch b) {
        if (b.seqLen() > c.seqLen) throw new TesseraException("batch: rows of " + b.seqLen() + " tokens exceed seqLen " + c.seqLen);
        for (int t = 0; t < b.size(); t++) {
            if (b.tokens()[t] < 0 || b.tokens()[t] >= c.vocab || b.targets()[t] < 0 || b.targets()[t] >= c.vocab) {
                throw new TesseraException("batch: token id out of range [0, " + c.vocab + ") at index " + t);
            }
        }
        this.batch = b;
        ensure(b.size());
        int d = c.dim, qd = c.qDim(), kd = c.kvDim(), f = c.ffn, hd = c.headDim();
        float[] x = xIn[0];
        float[] emb = p.tokenEmbedding.w;
        for (int t = 0; t < n; t++) System.arraycopy(emb, b.tokens()[t] * d, x, t * d, d);
        for (int l = 0; l < c.layers; l++) {
            Params.Layer L = p.layers[l];
            float[] xi = xIn[l];
            Ops.rmsnormForward(par, xnA[l], xi, L.attnNorm().w, attnR[l], n, d, c.rmsEps);
            Kernels.forward(par, xnA[l], L.wq().w, q[l], n, d, qd);
            Kernels.forward(par, xnA[l], L.wk().w, k[l], n, d, kd);
            Kernels.forward(par, xnA[l], L.wv().w, v[l], n, d, kd);
            Ops.rope(q[l], n, c.heads, hd, b.positions(), ropeCos, ropeSin, false);
            Ops.rope(k[l], n, c.kvHeads, hd, b.positions(), ropeCos, ropeSin, false);
            Ops.attentionForward(par, q[l], k[l], v[l], att[l], lse[l], b.positions(), b.rows(), b.seqLen(), c.heads, c.kvHeads, hd);
            float[] xm = xMid[l];
            Kernels.forward(par, att[l], L.wo().w, xm, n, qd, d);
            for (int i = 0; i < n * d; i++) xm[i] += xi[i];
            Ops.rmsnormForward(par, xnF[l], xm, L.ffnNorm().w, ffnR[l], n, d, c.rmsEps);
            Kernels.forward(par, xnF[l], L.wGate().w, gate[l], n, d, f);
            Kernels.forward(par, xnF[l], L.wUp().w, up[l], n, d, f);
            Ops.swigluForward(par, gate[l], up[l], hAct[l], n, f);
            float[] next = l + 1 < c.layers ? xIn[l + 1] : xOut;
            Kernels.forward(par, hAct[l], L.wDown().w, next, n, f, d);
            for (int i = 0; i < n * d; i++) next[i] += xm[i];
        }
        Ops.rmsnormForward(par, xnOut, xOut, p.outputNorm.w, outR, n, d, c.rmsEps);
        Kernels.forward(par, xnOut, p.output.w, logits, n, d, c.vocab);
        Ops.crossEntropyForward(par, logits, b.targets(), tokLse, tokLoss, n, c.vocab);
        setLossWeights(b.weights());
        return loss();
    }

    /**
     * Sets the per-token loss weights (length rows x seqLen, >= 0; 0 masks a token). The loss is
     * sum(w * ce) / sum(w).
     */
    public void setLossWeights(float[] w) {
        if (w.length != n) throw new TesseraException("loss weights: " + w.length + " given, " + n + " tokens in the batch");
        double s = 0;
        for (float x : w) {
            if (!(x >= 0) || Float.isInfinite(x)) throw new TesseraException("loss weights must be finite and >= 0, got " + x);
            s += x;
        }
        this.weights = w.clone();
        this.weightSum = s;
    }

    /** The weighted mean cross-entropy of the last forward pass (0 when every weight is 0). */
    public double loss() {
        if (weightSum == 0) return 0;
        double s = 0;
        for (int t = 0; t < n; t++) if (weights[t] != 0) s += (double) weights[t] * tokLoss[t];
        return s / weightSum;
    }

    /** Per-token cross-entropy (nats) of the last forward pass. */
    public float[] tokenLosses() {
        return tokLoss;
    }

    /** Logits [rows*seqLen x vocab] of the last forward pass. */
    public float[] logits() {
        return logits;
    }

    public float[] lossWeights() {
        return weights;
    }

    /** Accumulates the gradient of {@link #loss()} into every parameter's {@code g}. */
    public void backward() {
        backward(null);
    }

    /**
     * As {@link #backward()}; {@code outputGradHook}, when given, may rewrite the gradient of the output
     * projection's logits before the weight gradient is taken (the hidden-state gradient is unaffected).
     */
    void backward(LogitGradHook outputGradHook) {
        Batch b = batch;
        int d = c.dim, qd = c.qDim(), kd = c.kvDim(), f = c.ffn, hd = c.headDim();
        for (int t = 0; t < n; t++) lossScale[t] = weightSum == 0 ? 0f : (float) (weights[t] / weightSum);
        Ops.crossEntropyBackward(par, logits, b.targets(), tokLse, lossScale, dLogits, n, c.vocab);
        Arrays.fill(dXn, 0f);
        Kernels.backwardInput(par, dLogits, p.output.w, dXn, n, d, c.vocab);
        float[] dW = dLogits;
        if (outputGradHook != null) dW = outputGradHook.apply(dLogits, b);
        Kernels.backwardWeight(par, dW, xnOut, p.output.g, n, d, c.vocab);
        Arrays.fill(dX, 0f);
        Ops.rmsnormBackward(par, dXn, xOut, p.outputNorm.w, outR, dX, p.outputNorm.g, n, d);
        for (int l = c.layers - 1; l >= 0; l--) {
            Params.Layer L = p.layers[l];
            // ffn: next = xm + down(h); dX holds d(next)
            Arrays.fill(dH, 0f);
            Kernels.backwardInput(par, dX, L.wDown().w, dH, n, f, d);
            Kernels.backwardWeight(par, dX, hAct[l], L.wDown().g, n, f, d);
            Arrays.fill(dGate, 0f);
            Arrays.fill(dUp, 0f);
            Ops.swigluBackward(par, gate[l], up[l], dH, dGate, dUp, n, f);
            Arrays.fill(dXn, 0f);
            Kernels.backwardInput(par, dGate, L.wGate().w, dXn, n, d, f);
            Kernels.backwardInput(par, dUp, L.wUp().w, dXn, n, d, f);
            Kernels.backwardWeight(par, dGate, xnF[l], L.wGate().g, n, d, f);
            Kernels.backwardWeight(par, dUp, xnF[l], L.wUp().g, n, d, f);
            Ops.rmsnormBackward(par, dXn, xMid[l], L.ffnNorm().w, ffnR[l], dX, L.ffnNorm().g, n, d); // dX now d(xm)
            // attention: xm = xi + wo(att)
            Arrays.fill(dAtt, 0f);
            Kernels.backwardInput(par, dX, L.wo().w, dAtt, n, qd, d);
            Kernels.backwardWeight(par, dX, att[l], L.wo().g, n, qd, d);
            Arrays.fill(dQ, 0f);
            Arrays.fill(dK, 0f);
            Arrays.fill(dV, 0f);
            Ops.attentionBackward(par, q[l], k[l], v[l], att[l], lse[l], dAtt, dQ, dK, dV, b.positions(),
                    b.rows(), b.seqLen(), c.heads, c.kvHeads, hd);
            Ops.rope(dQ, n, c.heads, hd, b.positions(), ropeCos, ropeSin, true);
            Ops.rope(dK, n, c.kvHeads, hd, b.positions(), ropeCos, ropeSin, true);
            Arrays.fill(dXn, 0f);
            Kernels.backwardInput(par, dQ, L.wq().w, dXn, n, d, qd);
            Kernels.backwardInput(par, dK, L.wk().w, dXn, n, d, kd);
            Kernels.backwardInput(par, dV, L.wv().w, dXn, n, d, kd);
            Kernels.backwardWeight(par, dQ, xnA[l], L.wq().g, n, d, qd);
            Kernels.backwardWeight(par, dK, xnA[l], L.wk().g, n, d, kd);
            Kernels.backwardWeight(par, dV, xnA[l], L.wv().g, n, d, kd);
            Ops.rmsnormBackward(par, dXn, xIn[l], L.attnNorm().w, attnR[l], dX, L.attnNorm().g, n, d); // dX now d(xi)
        }
        float[] dEmb = p.tokenEmbedding.g;
        for (int t = 0; t < n; t++) {
            int e = b.tokens()[t] * d, o = t * d;
            for (int i = 0; i < d; i++) dEmb[e + i] += dX[o + i];
        }
    }

    /** Rewrites dlogits [n x vocab] for the output weight gradient only; returns the matrix to use. */
    @FunctionalInterface
    interface LogitGradHook {
        float[] apply(float[] dLogits, Batch batch);
    }
}
