package io.tessera.train;

import io.tessera.TesseraException;

import java.util.Arrays;

/**
 * Token-level objectives, applied on top of the batch's own loss weights (padding and document masks):
 * <ul>
 * <li>{@link #tokenWeights}: a loss weight per target token id (0 masks the token everywhere).</li>
 * <li>{@link #selective}: selective token loss (Rho-1): only the {@code keep} fraction of the batch's
 *     weighted tokens with the highest excess loss (loss minus a reference model's loss) count.</li>
 * <li>{@link #rareTokenGating}: adaptive gradient gating of rare-token embeddings ("Rare Tokens Degenerate All
 *     Tokens"): for a token whose running target frequency is under {@code threshold} times the mean, the part
 *     of its output-embedding gradient coming from positions where it is not the target (the softmax term
 *     that pushes every rare embedding the same way, away from all hidden states) is scaled by
 *     frequency / (threshold * mean); the hidden-state gradient is unchanged.</li>
 * <li>{@link #lowProbDamping}: each token's loss weight is multiplied by alpha * p + (1 - alpha), p the
 *     model's (detached) probability of the target, so that low-probability tokens, whose cross-entropy
 *     gradients are the largest, do not dominate the update ("Do Not Let Low-Probability Tokens
 *     Over-Dominate in RL for LLMs", its advantage reweighting applied to cross-entropy).</li>
 * </ul>
 */
public final class Objectives {
    private float[] tokenWeights;
    private TrainModel reference;
    private double keep = 1;
    private double rareThreshold;
    private double[] targetCounts;
    private double countDecay = 0.99;
    private double lowProbAlpha;

    public Objectives tokenWeights(float[] perTokenId) {
        for (float w : perTokenId) if (!(w >= 0) || Float.isInfinite(w)) throw new TesseraException("objectives: token weights must be finite and >= 0");
        this.tokenWeights = perTokenId.clone();
        return this;
    }

    /** Keeps the {@code keep} fraction (0, 1] of tokens with the highest loss in excess of {@code reference}'s. */
    public Objectives selective(double keep, TrainModel reference) {
        if (!(keep > 0 && keep <= 1)) throw new TesseraException("objectives: selective keep fraction must be in (0, 1], got " + keep);
        this.keep = keep;
        this.reference = reference;
        return this;
    }

    /** Gates rare-token embedding gradients; counts are an EMA (decay per step) of target occurrences. */
    public Objectives rareTokenGating(double threshold, double decay) {
        if (!(threshold > 0) || !(decay > 0 && decay < 1)) throw new TesseraException("objectives: rare-token threshold must be > 0 and decay in (0, 1)");
        this.rareThreshold = threshold;
        this.countDecay = decay;
        return this;
    }

    /** The rare-token gating's running target counts (null before the first step or without gating): saved in checkpoints. */
    double[] targetCounts() {
        return targetCounts == null ? null : targetCounts.clone();
    }

    /** Restores the running target counts of a checkpoint, so that a resumed run gates exactly as an uninterrupted one. */
    void restoreTargetCounts(double[] counts) {
        this.targetCounts = counts == null ? null : counts.clone();
    }

    public Objectives lowProbDamping(double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) throw new TesseraException("objectives: low-probability damping alpha must be in [0, 1], got " + alpha);
        this.lowProbAlpha = alpha;
        return this;
    }

    /** Sets the model's loss weights for this batch (after its forward pass) and returns the loss. */
    double apply(TrainModel model, Batch b) {
        int n = b.size();
        float[] w = b.weights().clone();
        float[] loss = model.tokenLosses();
        if (tokenWeights != null) {
            for (int t = 0; t < n; t++) {
                int y = b.targets()[t];
                if (y >= tokenWeights.length) throw new TesseraException("objectives: no token weight for id " + y);
                w[t] *= tokenWeights[y];
            }
        }
        if (lowProbAlpha > 0) {
            for (int t = 0; t < n; t++) w[t] *= (float) (lowProbAlpha * Math.exp(-loss[t]) + (1 - lowProbAlpha));
        }
        if (reference != null && keep < 1) {
            float[] mine = loss.clone();
            reference.forward(b);
            float[] ref = reference.tokenLosses();
            int live = 0;
            for (int t = 0; t < n; t++) if (w[t] > 0) live++;
            int k = (int) Math.ceil(keep * live);
            Integer[] idx = new Integer[n];
            for (int t = 0; t < n; t++) idx[t] = t;
            Arrays.sort(idx, (a, c) -> {
                boolean la = w[a] > 0, lc = w[c] > 0;
                if (la != lc) return la ? -1 : 1;
                return Float.compare(mine[c] - ref[c], mine[a] - ref[a]); // descending excess, stable on ties
            });
            for (int r = k; r < n; r++) w[idx[r]] = 0f;
        }
        if (rareThreshold > 0) {
            int V = model.logits().length / n;
            if (targetCounts == null) targetCounts = new double[V];
            for (int v = 0; v < V; v++) targetCounts[v] *= countDecay;
            for (int t = 0; t < n; t++) if (b.weights()[t] > 0) targetCounts[b.targets()[t]] += 1;
        }
        model.setLossWeights(w);
        return model.loss();
    }

    TrainModel.LogitGradHook outputGradHook() {
        if (rareThreshold <= 0) return null;
        return (dLogits, b) -> {
            int n = b.size(), V = dLogits.length / n;
            double mean = 0;
            for (double x : targetCounts) mean += x;
            mean /= V;
            double limit = rareThreshold * mean;
            float[] gate = new float[V];
            boolean any = false;
            for (int v = 0; v < V; v++) {
                gate[v] = targetCounts[v] < limit ? (float) (targetCounts[v] / limit) : 1f;
                any |= gate[v] < 1f;
            }
            if (!any) return dLogits;
            float[] g = dLogits.clone();
            for (int t = 0; t < n; t++) {
                int y = b.targets()[t];
                for (int v = 0; v < V; v++) if (v != y && gate[v] < 1f) g[t * V + v] *= gate[v];
            }
            return g;
        };
    }

    /** Current gate of token {@code v} (1 = not rare), for inspection. */
    public double gate(int v) {
        if (targetCounts == null) return 1;
        double mean = Arrays.stream(targetCounts).sum() / targetCounts.length;
        double limit = rareThreshold * mean;
        return targetCounts[v] < limit ? targetCounts[v] / limit : 1;
    }
}
