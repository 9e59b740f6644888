package io.tessera.generate.spec;

import io.tessera.TesseraException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Exactness of the selection rules, proved by computing each rule's output distribution exactly: every k-tuple of
 * drafts (weighted by prod q) and, inside, every acceptance branch with the probabilities and residuals of
 * {@link Selection}'s deterministic parts, which {@code select} combines with its random draws.
 */
class SelectionTest {
    record Case(String name, float[] p, float[] q) {}

    private static final List<Case> CASES = List.of(
            new Case("q flatter than p", dist(0.6, 0.25, 0.1, 0.04, 0.01), dist(0.2, 0.2, 0.2, 0.2, 0.2)),
            new Case("q peakier than p", dist(0.3, 0.25, 0.2, 0.15, 0.1), dist(0.85, 0.1, 0.03, 0.02, 0)),
            new Case("mismatched", dist(0.1, 0.2, 0.3, 0.4, 0, 0), dist(0.4, 0.3, 0.2, 0.05, 0.05, 0)),
            new Case("partial overlap", dist(0.5, 0.5, 0, 0), dist(0.5, 0, 0.3, 0.2)),
            new Case("disjoint supports", dist(0.5, 0.3, 0.2, 0, 0, 0), dist(0, 0, 0, 0.6, 0.3, 0.1)),
            new Case("p == q", dist(0.4, 0.3, 0.2, 0.1), dist(0.4, 0.3, 0.2, 0.1)),
            new Case("p a point mass", dist(0, 1, 0, 0), dist(0.25, 0.25, 0.25, 0.25)));

    /** One rule's branches for one tuple of drafts: adds weight * P(output = x | drafts) to out, returns the accepted part. */
    interface Branches {
        double add(float[] p, float[] q, int[] drafts, double weight, double[] out);
    }

    record Exact(double[] dist, double accepted) {}

    /** The exact output distribution and acceptance probability of a rule, over all k-tuples of drafts. */
    static Exact exact(Branches rule, float[] p, float[] q, int k) {
        double[] out = new double[p.length];
        double accepted = 0;
        int[] d = new int[k];
        do {
            double weight = 1;
            for (int x : d) weight *= q[x];
            if (weight > 0) accepted += rule.add(p, q, d.clone(), weight, out);
        } while (next(d, p.length));
        return new Exact(out, accepted);
    }

    static final Branches RECURSIVE = (p, q, d, weight, out) -> {
        float[] pi = p.clone();
        double reach = weight, accepted = 0;
        for (int x : d) {
            double a = Math.min(1, pi[x] / (double) q[x]); // select: random * q(x) < p_i(x)
            out[x] += reach * a;
            accepted += reach * a;
            reach *= 1 - a;
            Selection.recursiveResidual(pi, q, x);
        }
        addScaled(out, pi, reach);
        return accepted;
    };

    static final Branches SPECTR = (p, q, d, weight, out) -> {
        double rho = Selection.spectrRho(p, q, d.length);
        double reach = weight, accepted = 0;
        for (int x : d) {
            double a = Selection.spectrAccept(p, q, rho, x);
            out[x] += reach * a;
            accepted += reach * a;
            reach *= 1 - a;
        }
        float[] res = p.clone();
        Selection.spectrResidual(res, q, d.length, rho);
        addScaled(out, res, reach);
        return accepted;
    };

    static final Branches IMPORTANCE = importance(false, false);

    /** The importance rule; {@code rIsQ}: a wrong variant using q as the draft distribution of step 2; {@code noPickFromP}: one drawing from p when nothing is picked. */
    static Branches importance(boolean rIsQ, boolean noPickFromP) {
        return (p, q, d, weight, out) -> {
            int k = d.length;
            float[] res = p.clone();
            if (rIsQ) Selection.recursiveResidual(res, q, -1);
            else Selection.importanceResidual(res, q, k);
            double[] w = new double[k];
            double total = 0;
            for (int i = 0; i < k; i++) total += w[i] = Selection.importanceWeight(p, q, d[i]);
            if (total == 0) {
                addScaled(out, noPickFromP ? p : res, weight);
                return 0;
            }
            double accepted = 0;
            for (int i = 0; i < k; i++) {
                if (w[i] == 0) continue; // never picked
                int y = d[i];
                double picked = weight * w[i] / total;
                double r = rIsQ ? q[y] : Selection.importanceDraft(p, q, k, y)[0];
                double a = Math.min(1, p[y] / r); // select: random * r(y) < p(y)
                out[y] += picked * a;
                accepted += picked * a;
                addScaled(out, res, picked * (1 - a));
            }
            return accepted;
        };
    }

    @Test
    void everyRuleOutputsExactlyP() {
        for (Case c : CASES)
            for (int k = 1; k <= 4; k++)
                for (var rule : List.of(RECURSIVE, SPECTR, IMPORTANCE)) {
                    Exact e = exact(rule, c.p, c.q, k);
                    String what = name(rule) + " k=" + k + " " + c.name;
                    for (double v : e.dist) assertThat(Double.isFinite(v)).as(what).isTrue();
                    assertThat(maxDeviation(e.dist, c.p)).as(what).isLessThan(1e-6);
                }
    }

    @Test
    void wrongRulesFailTheExactnessCheck() {
        Case flat = CASES.get(0);
        double rIsQ = maxDeviation(exact(importance(true, false), flat.p, flat.q, 2).dist, flat.p);
        assertThat(rIsQ).as("importance with r replaced by q").isGreaterThan(0.01);
        // drawing from p (instead of the residual) when every weight is 0 is wrong whenever the supports overlap
        Case overlap = CASES.get(3);
        double fromP = maxDeviation(exact(importance(false, true), overlap.p, overlap.q, 1).dist, overlap.p);
        assertThat(fromP).as("importance drawing from p when nothing is picked").isGreaterThan(0.01);
        assertThat(maxDeviation(exact(IMPORTANCE, overlap.p, overlap.q, 1).dist, overlap.p)).isLessThan(1e-6);
    }

    @Test
    void specTrAcceptsAtLeastAsOftenAsOneDraft() {
        for (Case c : CASES) {
            double single = 0;
            for (int x = 0; x < c.p.length; x++) single += Math.min(c.p[x], c.q[x]);
            StringBuilder line = new StringBuilder(String.format("%-18s single %.4f", c.name, single));
            for (int k = 1; k <= 4; k++) {
                double spectr = exact(SPECTR, c.p, c.q, k).accepted;
                assertThat(spectr).as(c.name + " k=" + k).isGreaterThanOrEqualTo(single - 1e-9);
                line.append(String.format(" | k=%d rec %.4f spectr %.4f imp %.4f", k, exact(RECURSIVE, c.p, c.q, k).accepted,
                        spectr, exact(IMPORTANCE, c.p, c.q, k).accepted));
            }
            System.out.println(line);
        }
    }

    @Test
    void specTrRhoIsTheSmallestFeasible() {
        for (Case c : CASES)
            for (int k = 1; k <= 4; k++) {
                double rho = Selection.spectrRho(c.p, c.q, k);
                assertThat(rho).isBetween(1.0, (double) k);
                if (rho > 1 + 1e-9) { // optimal: the residual is just non-negative, (1 - (1-beta)^k) / beta = rho
                    double beta = 0;
                    for (int x = 0; x < c.p.length; x++) beta += Math.min(c.q[x], c.p[x] / rho);
                    assertThat((1 - Math.pow(1 - beta, k)) / beta).as(c.name + " k=" + k).isCloseTo(rho, within(1e-9));
                }
            }
        assertThat(Selection.spectrRho(CASES.get(0).p, CASES.get(0).q, 1)).isEqualTo(1.0);
    }

    @Test
    void selectSamplesP() {
        int n = 200_000, k = 3;
        for (Case c : List.of(CASES.get(0), CASES.get(1), CASES.get(3)))
            for (DraftTree.Selection rule : DraftTree.Selection.values()) {
                SplittableRandom random = new SplittableRandom(42);
                long[] counts = new long[c.p.length];
                for (int t = 0; t < n; t++) {
                    int[] tokens = new int[k];
                    float[][] proposals = new float[k][];
                    for (int i = 0; i < k; i++) {
                        tokens[i] = Selection.sample(c.q, random);
                        proposals[i] = c.q;
                    }
                    float[] p = c.p.clone();
                    int chosen = Selection.select(rule, p, tokens, proposals, random);
                    counts[chosen >= 0 ? tokens[chosen] : Selection.sample(p, random)]++;
                }
                for (int x = 0; x < c.p.length; x++) {
                    double mean = n * (double) c.p[x], sigma = Math.sqrt(mean * (1 - c.p[x]));
                    assertThat((double) counts[x]).as(rule + " " + c.name + " token " + x).isCloseTo(mean, within(5 * sigma + 1e-9));
                }
            }
    }

    @Test
    void sharedProposalRulesRejectDifferentProposals() {
        float[] p = dist(0.5, 0.5), q = dist(0.5, 0.5);
        for (DraftTree.Selection rule : List.of(DraftTree.Selection.SPECTR, DraftTree.Selection.IMPORTANCE)) {
            assertThatThrownBy(() -> Selection.select(rule, p.clone(), new int[]{0, 1}, new float[][]{q, dist(0.9, 0.1)},
                    new SplittableRandom(1))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Selection.select(rule, p.clone(), new int[]{0}, new float[][]{null},
                    new SplittableRandom(1))).isInstanceOf(IllegalArgumentException.class);
        }
        // an equal copy of q is the same proposal
        Selection.select(DraftTree.Selection.SPECTR, p.clone(), new int[]{0, 1}, new float[][]{q, q.clone()}, new SplittableRandom(1));
    }

    @Test
    void importanceRefusesLargeSupports() {
        int v = 2000;
        float[] q = new float[v];
        java.util.Arrays.fill(q, 1f / v);
        float[] p = q.clone();
        assertThatThrownBy(() -> Selection.select(DraftTree.Selection.IMPORTANCE, p, new int[]{1, 2, 3},
                new float[][]{q, q, q}, new SplittableRandom(1)))
                .isInstanceOf(TesseraException.class).hasMessageContaining("top-k");
        // two drafts: 2000 terms per r(y), fine
        Selection.select(DraftTree.Selection.IMPORTANCE, q.clone(), new int[]{1, 2}, new float[][]{q, q}, new SplittableRandom(1));

        // two drafts over a 32000-token vocabulary: one term per sequence, but a rejection needs r(y) for every
        // token, 32000 x 32000 terms (seconds of work), so it is refused too
        int big = 32000;
        float[] qBig = new float[big], pBig = new float[big];
        for (int x = 0; x < big; x++) {
            qBig[x] = 1f / big;
            pBig[x] = (x % 2 == 0 ? 1.5f : 0.5f) / big;
        }
        assertThatThrownBy(() -> Selection.importanceResidual(pBig, qBig, 2))
                .isInstanceOf(TesseraException.class).hasMessageContaining("top-k").hasMessageContaining("32000 tokens");
    }

    private static String name(Branches rule) {
        return rule == RECURSIVE ? "RECURSIVE" : rule == SPECTR ? "SPECTR" : "IMPORTANCE";
    }

    private static float[] dist(double... v) {
        double sum = 0;
        for (double x : v) sum += x;
        float[] d = new float[v.length];
        for (int i = 0; i < v.length; i++) d[i] = (float) (v[i] / sum);
        return d;
    }

    private static void addScaled(double[] out, float[] d, double weight) {
        for (int x = 0; x < out.length; x++) out[x] += weight * d[x];
    }

    private static double maxDeviation(double[] dist, float[] p) {
        double m = 0;
        for (int x = 0; x < p.length; x++) m = Math.max(m, Math.abs(dist[x] - p[x]));
        return m;
    }

    private static boolean next(int[] idx, int size) {
        for (int j = 0; j < idx.length; j++) {
            if (++idx[j] < size) return true;
            idx[j] = 0;
        }
        return false;
    }
}
