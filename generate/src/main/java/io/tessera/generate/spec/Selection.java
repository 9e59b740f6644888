package io.tessera.generate.spec;

import io.tessera.TesseraException;
import io.tessera.generate.Sampler;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The target's choice among the drafted children of one tree node: a token from the target distribution
 * {@code p}, preferably one of the children. Every rule leaves the output distributed exactly as {@code p}.
 *
 * <p>SPECTR and IMPORTANCE need the k children drawn i.i.d. from one proposal q. Why they are exact:
 *
 * <p><b>SpecTr (k-sequential, Sun et al. 2023).</b> Child i is accepted with probability
 * a(x) = min(1, p(x) / (rho q(x))), so P(X_i = x, accepted) = m(x) = min(q(x), p(x)/rho), of total beta. The
 * first acceptance at child i outputs x with probability (1-beta)^(i-1) m(x), so acceptances output
 * m(x) c with c = (1 - (1-beta)^k) / beta = sum_{j<k} (1-beta)^j; all k are rejected with probability
 * (1-beta)^k, exactly the mass of the residual p - m c, which tops every token up to p(x). That residual is
 * non-negative iff c <= rho (tokens with rho q < p are then fine too: q c < p c / rho <= p), i.e.
 * h(rho) = sum_x min(rho q(x), p(x)) - (1 - (1-beta)^k) >= 0. The first sum grows with rho and beta shrinks, so
 * h is non-decreasing, h(k) >= 0 (Bernoulli), and bisection finds the smallest feasible rho, which maximises the
 * acceptance 1 - (1-beta)^k. k = 1 gives rho = 1, the standard rule; beta = 0 (disjoint supports) gives c = k,
 * m = 0 and the residual p.
 *
 * <p><b>Importance (Khisti et al. 2024).</b> Step 1 picks child i with probability w(X_i) / sum_j w(X_j),
 * w = p/q. By symmetry the picked token Y has P(Y = y) = r(y) = k q(y) E[w(y) / (w(y) + S)], S the sum of the
 * k-1 other weights, computed exactly by enumerating the (k-1)-sequences of q's support. With probability
 * z = 1 - sum r every weight is 0 and nothing is picked. Step 2 accepts Y with probability min(1, p(Y)/r(Y)),
 * giving min(r(y), p(y)); the rest, a rejection or no pick, has mass 1 - sum min(r, p) = sum (p - r)^+ and draws
 * from norm((p - r)^+), adding (p - r)^+: the output is min(r, p) + (p - r)^+ = p. (Drawing from p itself when
 * nothing is picked would not be exact, unless the supports are disjoint, where the residual is p anyway.)
 */
final class Selection {
    private Selection() {}

    /**
     * Most work (the (k-1)-sequences of the draft support it enumerates, times the tokens whose r(y) it needs) the
     * importance rule may do for one selection: about a tenth of a second.
     */
    static final double MAX_IMPORTANCE_WORK = 1e8;

    /**
     * Returns the index (into {@code children}) of the accepted child, or -1 when none is accepted; then
     * {@code p} has been overwritten with the distribution to draw the token from instead.
     *
     * @param proposals each child's proposal distribution (null: chosen deterministically); SPECTR and
     *                  IMPORTANCE need one proposal shared by all children, which were drawn i.i.d. from it
     */
    static int select(DraftTree.Selection rule, float[] p, int[] tokens, float[][] proposals, SplittableRandom random) {
        return switch (rule) {
            case RECURSIVE -> recursive(p, tokens, proposals, random);
            case SPECTR -> spectr(p, tokens, sharedProposal(rule, proposals), random);
            case IMPORTANCE -> importance(p, tokens, sharedProposal(rule, proposals), random);
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
            recursiveResidual(p, q, x);
        }
        return -1;
    }

    /** After rejecting token x drawn from q (null: chosen deterministically): p = norm(max(p - q, 0)). */
    static void recursiveResidual(float[] p, float[] q, int x) {
        if (q == null) p[x] = 0f;
        else for (int j = 0; j < p.length; j++) p[j] = Math.max(p[j] - q[j], 0f);
        normalize(p);
    }

    private static float[] sharedProposal(DraftTree.Selection rule, float[][] proposals) {
        float[] q = proposals.length == 0 ? null : proposals[0];
        for (float[] qi : proposals)
            if (qi == null || (qi != q && !Arrays.equals(qi, q)))
                throw new IllegalArgumentException(rule + " selection needs the children drawn i.i.d. from one proposal");
        return q;
    }

    private static int spectr(float[] p, int[] tokens, float[] q, SplittableRandom random) {
        int k = tokens.length;
        if (k == 0) return -1;
        double rho = spectrRho(p, q, k);
        for (int i = 0; i < k; i++) if (random.nextDouble() < spectrAccept(p, q, rho, tokens[i])) return i;
        spectrResidual(p, q, k, rho);
        return -1;
    }

    /** SpecTr's rho: the smallest value in [1, k] whose residual is non-negative. */
    static double spectrRho(float[] p, float[] q, int k) {
        if (k <= 1 || spectrSlack(p, q, k, 1) >= 0) return 1;
        double lo = 1, hi = k; // h(lo) < 0 <= h(hi)
        for (int it = 0; it < 100 && hi - lo > 1e-12; it++) {
            double mid = 0.5 * (lo + hi);
            if (spectrSlack(p, q, k, mid) >= 0) hi = mid;
            else lo = mid;
        }
        return hi;
    }

    /** h(rho) = rho beta(rho) - (1 - (1 - beta(rho))^k), non-decreasing in rho; the residual is non-negative iff h >= 0. */
    private static double spectrSlack(float[] p, float[] q, int k, double rho) {
        double m = 0; // rho beta = sum min(rho q, p)
        for (int x = 0; x < p.length; x++) m += Math.min(rho * q[x], p[x]);
        return m - (1 - Math.pow(Math.max(1 - m / rho, 0), k));
    }

    /** SpecTr: the probability min(1, p(x) / (rho q(x))) of accepting a child holding token x. */
    static double spectrAccept(float[] p, float[] q, double rho, int x) {
        if (q[x] <= 0) return p[x] > 0 ? 1 : 0;
        return Math.min(1, p[x] / (rho * q[x]));
    }

    /** SpecTr, all k children rejected: p = norm(p - min(q, p/rho) (1 - (1-beta)^k) / beta). */
    static void spectrResidual(float[] p, float[] q, int k, double rho) {
        double beta = 0;
        for (int x = 0; x < p.length; x++) beta += Math.min(q[x], p[x] / rho);
        double c = 0, t = 1; // (1 - (1-beta)^k) / beta without dividing: sum_{j<k} (1-beta)^j
        for (int j = 0; j < k; j++) {
            c += t;
            t *= Math.max(1 - beta, 0);
        }
        double[] res = new double[p.length];
        for (int x = 0; x < p.length; x++) res[x] = Math.max(p[x] - Math.min(q[x], p[x] / rho) * c, 0);
        setNormalized(p, res);
    }

    private static int importance(float[] p, int[] tokens, float[] q, SplittableRandom random) {
        int k = tokens.length;
        if (k == 0) return -1;
        requireFeasibleImportance(p, q, k);
        double[] w = new double[k];
        double total = 0;
        for (int i = 0; i < k; i++) total += w[i] = importanceWeight(p, q, tokens[i]);
        if (total > 0) {
            double u = random.nextDouble() * total;
            int chosen = -1;
            for (int i = 0; i < k; i++) {
                if (w[i] <= 0) continue;
                chosen = i;
                if ((u -= w[i]) < 0) break;
            }
            int y = tokens[chosen];
            if (random.nextDouble() * importanceDraft(p, q, k, y)[0] < p[y]) return chosen;
        }
        importanceResidual(p, q, k); // rejected, or every weight 0 and nothing picked
        return -1;
    }

    /** The importance weight w(x) = p(x) / q(x) (0 where p is 0). */
    static double importanceWeight(float[] p, float[] q, int x) {
        return p[x] > 0 ? p[x] / (double) q[x] : 0;
    }

    /**
     * r(y) = k q(y) E[w(y) / (w(y) + w(X_2) + ... + w(X_k))], X_j i.i.d. ~ q, for each of {@code ys}: the
     * probability that step 1 picks a child holding y. Enumerates the (k-1)-sequences of q's support.
     */
    static double[] importanceDraft(float[] p, float[] q, int k, int... ys) {
        int s = 0;
        for (float v : q) if (v > 0) s++;
        int n = k - 1;
        double[] qs = new double[s], ws = new double[s];
        for (int x = 0, j = 0; x < q.length; x++)
            if (q[x] > 0) {
                qs[j] = q[x];
                ws[j++] = importanceWeight(p, q, x);
            }
        double[] wy = new double[ys.length], r = new double[ys.length];
        for (int t = 0; t < ys.length; t++) wy[t] = q[ys[t]] > 0 ? importanceWeight(p, q, ys[t]) : 0;
        if (s == 0) return r;
        int[] idx = new int[n];
        do {
            double sum = 0, prob = 1;
            for (int j = 0; j < n; j++) {
                sum += ws[idx[j]];
                prob *= qs[idx[j]];
            }
            for (int t = 0; t < ys.length; t++) if (wy[t] > 0) r[t] += prob * wy[t] / (wy[t] + sum);
        } while (next(idx, s));
        for (int t = 0; t < ys.length; t++) r[t] *= k * (double) q[ys[t]];
        return r;
    }

    /** Advances idx to the next sequence over 0..size-1; false after the last one. */
    private static boolean next(int[] idx, int size) {
        for (int j = 0; j < idx.length; j++) {
            if (++idx[j] < size) return true;
            idx[j] = 0;
        }
        return false;
    }

    /**
     * Refuses, before anything is drawn, a selection whose rejection would cost more than
     * {@link #MAX_IMPORTANCE_WORK}: r(y) for every token in both supports, each a sum over the (k-1)-sequences of
     * q's support. (Checked up front so that the error does not depend on the random draws.)
     */
    static void requireFeasibleImportance(float[] p, float[] q, int k) {
        int s = 0, both = 0;
        for (int x = 0; x < q.length; x++) {
            if (q[x] > 0) s++;
            if (q[x] > 0 && p[x] > 0) both++;
        }
        double terms = Math.pow(s, k - 1);
        if (terms * (k - 1 + both) > MAX_IMPORTANCE_WORK)
            throw new TesseraException("the importance selection rule needs a smaller draft support (top-k) or fewer drafts: "
                    + s + " tokens with q > 0 and " + k + " drafts make " + (long) terms + " sequences for each of "
                    + both + " tokens (at most " + (long) MAX_IMPORTANCE_WORK + " operations)");
    }

    /** Importance, nothing accepted: p = norm(max(p - r, 0)) (r is 0 outside the supports of p and q). */
    static void importanceResidual(float[] p, float[] q, int k) {
        requireFeasibleImportance(p, q, k);
        int m = 0;
        for (int x = 0; x < p.length; x++) if (p[x] > 0 && q[x] > 0) m++;
        int[] ys = new int[m];
        for (int x = 0, t = 0; x < p.length; x++) if (p[x] > 0 && q[x] > 0) ys[t++] = x;
        double[] r = importanceDraft(p, q, k, ys);
        double[] res = new double[p.length];
        for (int x = 0; x < p.length; x++) res[x] = p[x];
        for (int t = 0; t < m; t++) res[ys[t]] = Math.max(p[ys[t]] - r[t], 0);
        setNormalized(p, res);
    }

    /** p = res / sum(res); a residual that lost all its mass to rounding (rejection had probability ~0) leaves p as it is. */
    private static void setNormalized(float[] p, double[] res) {
        double sum = 0;
        for (double v : res) sum += v;
        if (!(sum > 0)) return;
        for (int x = 0; x < p.length; x++) p[x] = (float) (res[x] / sum);
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

    /** The indices of the k highest values, highest first (ties: lower index first; -1 where there are fewer than k). */
    static int[] topK(float[] logits, int k) {
        int[] top = new int[k];
        Arrays.fill(top, -1);
        for (int i = 0; i < logits.length; i++) {
            float l = logits[i];
            if (top[k - 1] >= 0 && l <= logits[top[k - 1]]) continue;
            int j = k - 1;
            while (j > 0 && (top[j - 1] < 0 || l > logits[top[j - 1]])) {
                top[j] = top[j - 1];
                j--;
            }
            top[j] = i;
        }
        return top;
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
