package io.tessera.generate.spec;

import io.tessera.generate.Sampler;

import java.util.SplittableRandom;

/**
 * The target's choice among the drafted children of one tree node: a token from the target distribution
 * {@code p}, preferably one of the children. Every rule leaves the output distributed exactly as {@code p}.
 */
final class Selection {
    private Selection() {}

    /**
     * Returns the index (into {@code children}) of the accepted child, or -1 when none is accepted; then
     * {@code p} has been overwritten with the distribution to draw the token from instead.
     *
     * @param proposals each child's proposal distribution (null: chosen deterministically)
     */
    static int select(DraftTree.Selection rule, float[] p, int[] tokens, float[][] proposals, SplittableRandom random) {
        return switch (rule) {
            case RECURSIVE -> recursive(p, tokens, proposals, random);
            case SPECTR, IMPORTANCE -> throw new UnsupportedOperationException(rule + " selection");
        };
    }

    /**
     * Recursive rejection sampling: child i is accepted with probability min(1, p_i(x)/q_i(x)); after a rejection
     * p_{i+1} = norm(max(p_i - q_i, 0)). Exact when each child was drawn from its q_i given the children before it
     * (i.i.d. from one q, or without replacement, or deterministically with q = a point mass).
     */
    private static int recursive(float[] p, int[] tokens, float[][] proposals, SplittableRandom random) {
        for (int i = 0; i < tokens.length; i++) {
            int x = tokens[i];
            float[] q = proposals[i];
            double qx = q == null ? 1.0 : q[x];
            if (random.nextDouble() * qx < p[x]) return i;
            if (q == null) p[x] = 0f;
            else for (int j = 0; j < p.length; j++) p[j] = Math.max(p[j] - q[j], 0f);
            normalize(p);
        }
        return -1;
    }

    /** Scales p to sum 1 (a distribution that lost all its mass to rounding is left as it is). */
    static void normalize(float[] p) {
        double sum = 0;
        for (float v : p) sum += v;
        if (sum <= 0) return;
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < p.length; j++) p[j] *= inv;
    }

    /** The softmax probability of the highest logit. */
    static double softmaxTop(float[] logits) {
        float max = logits[Sampler.argmax(logits)];
        double sum = 0;
        for (float l : logits) sum += Math.exp(l - max);
        return 1 / sum;
    }

    /** A draw from distribution p. */
    static int sample(float[] p, SplittableRandom random) {
        double r = random.nextDouble(), cum = 0;
        int last = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] <= 0) continue;
            cum += p[i];
            last = i;
            if (r < cum) return i;
        }
        return last;
    }
}
