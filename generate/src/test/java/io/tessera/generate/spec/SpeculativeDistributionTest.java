package io.tessera.generate.spec;

import io.tessera.generate.Sampler;
import io.tessera.generate.SamplerConfig;
import io.tessera.model.Model;
import io.tessera.model.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every speculative mode samples exactly the target's distribution. For each mode, the first two tokens are
 * generated N times through the real {@link SpeculativeDecoder} (one reused target session, rewound between
 * samples; a new drafter per sample seeded like its decoder, as {@link io.tessera.generate.Generator} does) and
 * compared by Pearson's chi-square with the exact distributions computed from the target's logits and
 * {@link Sampler#distribution}: token 1, token 2's marginal (the sum over t1 of p(t1) p(t2 | t1), one forward pass
 * per t1 in the support, penalties applied to the prompt plus t1) and the pair (t1, t2). Cells expected fewer than
 * 5 times are merged. Sampling at temperature 1 with top-k 12 (top-p 1, min-p 0) keeps the supports small while
 * the draft's tokens are both accepted and rejected often, which is checked (the test proves nothing otherwise);
 * one case adds repeat, presence and frequency penalties on a prompt full of repeats. The models are the trained
 * pair models/tessera-default.gguf and models/tessera-draft.gguf, so the drafts approximate the target as in use.
 * The drafts are kept small (chains of 1-2 tokens, trees of 4-6 nodes): only the first two tokens are looked at.
 *
 * <p><b>Alpha.</b> Each statistic fails at p < 1e-4. The class makes 31 such decisions (3 chi-squares for each of
 * 9 cases, 4 z-tests), so a correct decoder fails spuriously with probability about 0.3% whenever a change
 * reshuffles the random streams (the seeds are fixed: a given build passes or fails deterministically); the usual
 * 0.01 would make that 27%, too flaky for a suite that runs on every change.
 *
 * <p><b>Power.</b> A sampler whose distribution p' differs from p by the chi-square divergence
 * D = sum (p' - p)^2 / p (over the merged cells) gives N samples whose statistic is noncentral chi-square with
 * lambda = N D. At alpha 1e-4 the lambda detected with probability 0.9 is 43.6 for 11 degrees of freedom (token 1
 * here: 12 tokens), 58-76 for 29-61 (token 2) and 67-85 for 44-84 (the pairs) ({@link #detectable}; each case
 * prints its own). With N = 1000: D = 0.044 for token 1, e.g. 4.7 points of probability moved between two tokens
 * of probability 0.1 (D = 2 x 0.047^2 / 0.1), and D = 0.06-0.085 for token 2 and the pairs. N is what fits the
 * time budget (about 1 minute for the class on a loaded 2-core machine; a sample costs 1-2 verification passes).
 * Real mistakes are far above this: multi-draft seeded so that the drafter's random stream was the decoder's
 * shifted by one (fixed, see {@link DraftRandom}) gave p = 5e-7, 1e-7 and 2e-58 for the three selection rules;
 * the choosy drafter of the negative control gives 2e-16 from N/2 samples. A drafter's subtler mistake may change
 * the output less than that; the direct check that drafted tokens are draws from their reported proposals
 * ({@link #draftedTokensAreDrawsFromTheirProposals}, 500 trees) catches the tree drafter's old one at z = 7.5
 * (budget 16) and 17 (budget 5), which the output of this model pair hardly shows at this N (smallest p 0.08).
 */
class SpeculativeDistributionTest {
    static final Path TARGET = Path.of("../models/tessera-default.gguf"), DRAFT = Path.of("../models/tessera-draft.gguf");
    static final int N = 1000;
    static final int TREES = 500;
    static final double ALPHA = 1e-4;
    static final int CONTEXT = 128;

    static final SamplerConfig SAMPLING = new SamplerConfig(1f, 12, 1f, 0f, 1f, 0f, 0f, 64, 0);
    static final SamplerConfig PENALIZED = SAMPLING.withPenalties(1.5f, 0.3f, 0.1f, 64);
    /** One token: the decoder's start needs no prefill, so a sample costs little more than its verification passes. */
    static final String PROSE = "The";
    /** Repeats, so that lookup finds n-grams, recycle's matrix rows of these tokens fill up and penalties bite. */
    static final String REPEAT = "he and he and";

    /**
     * SplittableRandom's gamma. The sample seeds are the first N seeds s with s & GAMMA == 0 (0, 2, 8, 10, 32, 34,
     * 40, 42, ...: small seeds people pick): for them a drafter seeded {@code seed ^ GAMMA} drew from the decoder's
     * own random stream shifted by one, which made multi-draft inexact (see {@link DraftRandom}).
     */
    static final long GAMMA = 0x9E3779B97F4A7C15L;
    static final long[] SEEDS = new long[N];

    static {
        for (int i = 0, s = 0; i < N; s++) if ((s & GAMMA) == 0) SEEDS[i++] = s;
    }

    static Model target, draft;
    static Session session;

    @BeforeAll
    static void models() {
        for (Path p : new Path[]{TARGET, DRAFT}) {
            if (!Files.isRegularFile(p)) {
                throw new AssertionError("missing " + p.toAbsolutePath().normalize() + ": this test needs the trained default and draft "
                        + "models at the repository root (models/tessera-default.gguf, models/tessera-draft.gguf; built by models/train-default.sh)");
            }
        }
        target = Model.load(TARGET);
        draft = Model.load(DRAFT);
        session = target.newSession(CONTEXT, 1);
    }

    @AfterAll
    static void close() {
        if (session != null) session.close();
        if (draft != null) draft.close();
        if (target != null) target.close();
    }

    /**
     * A mode with small drafts (only the first two tokens are looked at; deeper drafts would only cost time).
     * {@code reuse}: one drafter for all samples, warmed up by a few generations (recycle: its matrix must be
     * filled to draft at all); otherwise a new drafter per sample seeded like its decoder, as {@link
     * io.tessera.generate.Generator} does, so that the seeding is tested too.
     */
    record Case(String name, BiFunction<Session, SamplerConfig, Drafter> drafter, boolean reuse, String prompt, SamplerConfig config) {
        @Override
        public String toString() { return name; }
    }

    static Case of(String name, Speculation spec, String prompt, SamplerConfig config) {
        return new Case(name, spec::newDrafter, false, prompt, config);
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // draft length 4: the adaptive length starts at 2, so drafts are accepted and rejected at both tokens
        c.add(of("draft", Speculation.of(Speculation.Mode.DRAFT).draft(draft).draftLength(4), PROSE, SAMPLING));
        for (DraftTree.Selection rule : DraftTree.Selection.values()) {
            // 3 chains of one token, the rules choosing among them; recursive: 2 chains of 2, also verified below the first tokens
            boolean recursive = rule == DraftTree.Selection.RECURSIVE;
            c.add(of("multi-draft " + rule.name().toLowerCase(Locale.ROOT), Speculation.of(Speculation.Mode.MULTI_DRAFT).draft(draft)
                    .selection(rule).drafts(recursive ? 2 : 3).draftLength(recursive ? 2 : 1), PROSE, SAMPLING));
        }
        // a round of 4 first tokens, then the 5th node goes to the first token whose next child is worth most
        c.add(of("tree", Speculation.of(Speculation.Mode.TREE).draft(draft).treeBudget(5), PROSE, SAMPLING));
        // the self draft costs 2/3 of the target per token: chains of one token (draft covers longer chains)
        c.add(of("self", Speculation.of(Speculation.Mode.SELF).draftLength(2), PROSE, SAMPLING));
        c.add(of("lookup", Speculation.of(Speculation.Mode.LOOKUP).draftLength(2), REPEAT, SAMPLING));
        // the default recycle tree has ~30 nodes; 2 first tokens and 2 below them exercise the same code
        c.add(new Case("recycle", (s, sc) -> new RecycleDrafter(target.config().vocabSize(), 8, new int[]{2, 1}), true, REPEAT, SAMPLING));
        c.add(of("draft, penalties", Speculation.of(Speculation.Mode.DRAFT).draft(draft).draftLength(4), REPEAT, PENALIZED));
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tokensAreDistributedAsTheTarget(Case c) {
        Result r = run(c, N);
        Samples s = r.samples;
        // the test proves nothing unless both branches of the decoder ran at the first token
        assertThat(s.accepted1).as("%s: samples whose first token was an accepted draft", c.name).isGreaterThanOrEqualTo(N / 20);
        assertThat(s.drafted1 - s.accepted1).as("%s: samples whose first token followed rejected drafts", c.name).isGreaterThanOrEqualTo(N / 20);
        assertThat(s.stats.accepted()).as("%s: accepted drafts", c.name).isPositive().isLessThan(s.stats.drafted());
        for (Fit f : r.fits) {
            assertThat(f.df).as("%s: degrees of freedom", f.name).isPositive();
            assertThat(f.pValue).as("%s, %s: the speculative tokens are not distributed as the target's (%s)", c.name, f.name, f)
                    .isGreaterThanOrEqualTo(ALPHA);
        }
    }

    /** Negative control: taking the draft's tokens as they are (always accepting them) fails the same statistics. */
    @Test
    void alwaysAcceptingTheDraftIsRejected() {
        int[] prompt = target.tokenizer().encode(PROSE, true, true);
        Samples s = new Samples();
        for (int i = 0; i < N; i++) {
            try (Drafter d = Speculation.of(Speculation.Mode.DRAFT).draft(draft).draftLength(4).newDrafter(session, SAMPLING.withSeed(SEEDS[i]))) {
                DraftTree tree = d.draft(prompt, prompt.length);
                assertThat(tree.size()).isGreaterThanOrEqualTo(2);
                s.add(tree.token(0), tree.token(1));
            }
        }
        List<Fit> fits = fits(exact(prompt, SAMPLING), s);
        System.out.println("negative control: always accepting the draft");
        for (Fit f : fits) System.out.println("    " + f);
        assertThat(fits).as("a decoder that always accepts the drafts must fail the test").anyMatch(f -> f.pValue < ALPHA);
    }

    /**
     * Negative control through the real decoder, with the kind of mistake the tree drafter used to make: a drafter
     * whose chain ends before the first drawn token x with q(x) < 0.12 ({@link Choosy}), so that which drafts reach
     * the target depends on the drawn tokens. It fails the same statistics.
     */
    @Test
    void aChoosyDrafterIsRejected() {
        Result r = run(choosy(), N / 2); // fewer samples than the cases get: the test fails all the same
        assertThat(r.samples.accepted1).isGreaterThanOrEqualTo(N / 40);
        assertThat(r.fits).as("a drafter choosing its drafts by their tokens must fail the test").anyMatch(f -> f.pValue < ALPHA);
    }

    static List<Case> modelDrafters() {
        return List.of(of("draft", Speculation.of(Speculation.Mode.DRAFT).draft(draft), PROSE, SAMPLING),
                of("multi-draft", Speculation.of(Speculation.Mode.MULTI_DRAFT).draft(draft).drafts(3).draftLength(2), PROSE, SAMPLING),
                of("tree", Speculation.of(Speculation.Mode.TREE).draft(draft), PROSE, SAMPLING),
                of("tree, budget 5", Speculation.of(Speculation.Mode.TREE).draft(draft).treeBudget(5), PROSE, SAMPLING));
    }

    /**
     * The drafters' half of exactness, checked directly and with more power than the output can give: a drafted token
     * must be a plain draw from the proposal q it is reported with, whatever decided that its node is in the tree.
     * Then each node's q(x) - sum_y q(y)^2 has mean 0 (variance sum q^3 - (sum q^2)^2) given everything drafted
     * before it, and their sum over many trees, divided by its standard deviation, is about normal. Keeping a drawn
     * token only when it is likely (as the tree drafter once did) pushes it up; 3.89 is the two-sided 1e-4 point.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("modelDrafters")
    void draftedTokensAreDrawsFromTheirProposals(Case c) {
        double z = proposalZ(c, TREES);
        System.out.printf(Locale.ROOT, "%-16s drafted tokens against their proposals, %d trees: z = %.2f%n", c.name, TREES, z);
        assertThat(Math.abs(z)).as("%s: drafted tokens are not draws from their reported proposals (z = %.2f)", c.name, z).isLessThan(3.89);
    }

    /** Negative control of the proposal check: the choosy drafter's kept tokens are too likely under its proposals. */
    @Test
    void aChoosyDrafterFailsTheProposalCheck() {
        double z = proposalZ(choosy(), TREES);
        System.out.printf(Locale.ROOT, "choosy draft: z = %.2f%n", z);
        assertThat(z).isGreaterThan(3.89);
    }

    static double proposalZ(Case c, int trees) {
        int[] prompt = target.tokenizer().encode(c.prompt, true, true);
        double sum = 0, variance = 0;
        try (Drafter d = c.drafter.apply(session, c.config.withSeed(3))) {
            for (int t = 0; t < trees; t++) {
                DraftTree tree = d.draft(prompt, prompt.length);
                for (int i = 0; i < tree.size(); i++) {
                    float[] q = tree.proposal(i);
                    if (q == null) continue;
                    double s2 = 0, s3 = 0;
                    for (float v : q) {
                        s2 += (double) v * v;
                        s3 += (double) v * v * v;
                    }
                    sum += q[tree.token(i)] - s2;
                    variance += s3 - s2 * s2;
                }
            }
        }
        return sum / Math.sqrt(variance);
    }

    static Case choosy() {
        return new Case("choosy draft", (s, sc) -> new Choosy(Speculation.of(Speculation.Mode.DRAFT).draft(draft).draftLength(4)
                .newDrafter(s, sc), 0.12), false, PROSE, SAMPLING);
    }

    @Test
    void chiSquareTailMatchesKnownValues() {
        // upper tail of chi-square: Q(k/2, x/2); known quantiles
        assertThat(chiSquareTail(3.841459, 1)).isCloseTo(0.05, within(1e-6));
        assertThat(chiSquareTail(23.209251, 10)).isCloseTo(0.01, within(1e-7));
        assertThat(chiSquareTail(37.566235, 20)).isCloseTo(0.01, within(1e-7));
        assertThat(chiSquareTail(35.564, 10)).isCloseTo(1e-4, within(2e-7));
        assertThat(chiSquareTail(5, 4)).isCloseTo(0.2872975, within(1e-6));
        assertThat(detectable(10)).isCloseTo(42.52, within(0.05)); // scipy: ncx2 with isf(1e-4, 10) = 35.564 at power 0.9
    }

    // ---- sampling through the speculative decoder

    record Result(Samples samples, List<Fit> fits) {}

    static Result run(Case c, int n) {
        int[] prompt = target.tokenizer().encode(c.prompt, true, true);
        Exact exact = exact(prompt, c.config);
        long t0 = System.nanoTime();
        Samples s = sample(c, prompt, n);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        List<Fit> fits = fits(exact, s);
        System.out.printf(Locale.ROOT, "%-24s %5d ms; drafts at token 1 in %4d of %d samples: %4d accepted, %4d rejected; "
                        + "acceptance %.2f, %.2f tokens/pass%n", c.name, ms, s.drafted1, n, s.accepted1, s.drafted1 - s.accepted1,
                s.stats.acceptanceRate(), s.stats.meanAcceptedLength());
        for (Fit f : fits) System.out.println("    " + f);
        return new Result(s, fits);
    }

    static final class Samples {
        final Map<Long, Integer> first = new HashMap<>(), second = new HashMap<>(), pair = new HashMap<>();
        int n, drafted1, accepted1;
        SpecStats stats = new SpecStats(0, 0, 0, 0);

        void add(int t1, int t2) {
            n++;
            first.merge((long) t1, 1, Integer::sum);
            second.merge((long) t2, 1, Integer::sum);
            pair.merge(pairKey(t1, t2), 1, Integer::sum);
        }
    }

    static long pairKey(int t1, int t2) {
        return (long) t1 << 32 | t2;
    }

    /** Draws n samples of the first two tokens through the decoder, sample i with seed SEEDS[i]. */
    static Samples sample(Case c, int[] prompt, int n) {
        Samples s = new Samples();
        Watch reused = null;
        if (c.reuse) {
            reused = new Watch(c.drafter.apply(session, c.config.withSeed(1)));
            // warm-up with other seeds (odd ones, not in SEEDS); longer generations fill recycle's matrix
            for (int w = 0; w < 4; w++) {
                session.rewind(0);
                SpeculativeDecoder d = new SpeculativeDecoder(session, reused, c.config.withSeed(2L * w + 1));
                d.start(prompt);
                for (int got = 0; got < 12; ) got += d.step().length;
            }
        }
        long steps = 0, drafted = 0, accepted = 0, emitted = 0;
        try {
            for (int i = 0; i < n; i++) {
                SamplerConfig config = c.config.withSeed(SEEDS[i]);
                Watch drafter = reused != null ? reused : new Watch(c.drafter.apply(session, config));
                try {
                    session.rewind(0);
                    SpeculativeDecoder d = new SpeculativeDecoder(session, drafter, config);
                    d.start(prompt);
                    int[] out = d.step();
                    if (drafter.lastRootChildren > 0) {
                        s.drafted1++;
                        if (out.length > 1) s.accepted1++;
                    }
                    int second = out.length > 1 ? out[1] : d.step()[0];
                    s.add(out[0], second);
                    SpecStats st = d.stats();
                    steps += st.steps();
                    drafted += st.drafted();
                    accepted += st.accepted();
                    emitted += st.emitted();
                } finally {
                    if (drafter != reused) drafter.close();
                }
            }
        } finally {
            if (reused != null) reused.close();
        }
        s.stats = new SpecStats(steps, drafted, accepted, emitted);
        return s;
    }

    /** Passes everything through, remembering how many first drafted tokens the last tree had. */
    static final class Watch extends Wrapper {
        int lastRootChildren;

        Watch(Drafter inner) { super(inner); }

        @Override
        public DraftTree draft(int[] context, int length) {
            DraftTree t = inner.draft(context, length);
            lastRootChildren = t.children(-1).length;
            return t;
        }
    }

    /** A drafter around another: verification feedback and closing pass through. */
    abstract static class Wrapper implements Drafter {
        final Drafter inner;

        Wrapper(Drafter inner) { this.inner = inner; }

        @Override
        public void verified(DraftTree tree, int root, float[] rootLogits, float[][] nodeLogits, int accepted) {
            inner.verified(tree, root, rootLogits, nodeLogits, accepted);
        }

        @Override
        public void close() { inner.close(); }
    }

    /**
     * A broken drafter: its chain ends before the first drawn token x with q(x) below a threshold, an early exit
     * decided after drawing (the {@link ModelDrafter}'s is decided before), so that which drafts reach the target
     * depends on the drawn tokens: the kind of mistake the tree drafter used to make.
     */
    static final class Choosy extends Wrapper {
        final double threshold;

        Choosy(Drafter inner, double threshold) {
            super(inner);
            this.threshold = threshold;
        }

        @Override
        public DraftTree draft(int[] context, int length) {
            DraftTree t = inner.draft(context, length), kept = new DraftTree();
            for (int i = 0; i < t.size() && t.proposal(i)[t.token(i)] >= threshold; i++) kept.add(t.parent(i), t.token(i), t.proposal(i));
            return kept;
        }
    }

    // ---- the exact distributions

    /** p(t1) and p(t2 | t1) for every t1 with p(t1) > 0, from the target's logits along the decoder's own path. */
    record Exact(double[] first, Map<Integer, double[]> second) {
        Map<Long, Double> firstCells() {
            Map<Long, Double> m = new HashMap<>();
            for (int t = 0; t < first.length; t++) if (first[t] > 0) m.put((long) t, first[t]);
            return m;
        }

        Map<Long, Double> secondCells() {
            Map<Long, Double> m = new HashMap<>();
            second.forEach((t1, p2) -> {
                for (int t = 0; t < p2.length; t++) if (p2[t] > 0) m.merge((long) t, first[t1] * p2[t], Double::sum);
            });
            return m;
        }

        Map<Long, Double> pairCells() {
            Map<Long, Double> m = new HashMap<>();
            second.forEach((t1, p2) -> {
                for (int t = 0; t < p2.length; t++) if (p2[t] > 0) m.put(pairKey(t1, t), first[t1] * p2[t]);
            });
            return m;
        }
    }

    /**
     * The decoder runs all but the last prompt token as a prefill and the rest one token per position (its tree
     * pass gives each node the logits of decoding its path), so the same calls are made here. The penalties see
     * the prompt, then the prompt and t1.
     */
    static Exact exact(int[] prompt, SamplerConfig config) {
        Sampler sampler = new Sampler(config);
        int n = prompt.length;
        session.rewind(0);
        if (n > 1) session.prefill(Arrays.copyOf(prompt, n - 1));
        float[] l1 = session.decode(prompt[n - 1]).clone();
        int[] history = Arrays.copyOf(prompt, n + 1);
        double[] p1 = toDouble(sampler.distribution(l1, history, n));
        Map<Integer, double[]> p2 = new HashMap<>();
        for (int t1 = 0; t1 < p1.length; t1++) {
            if (p1[t1] <= 0) continue;
            session.rewind(n);
            history[n] = t1;
            p2.put(t1, toDouble(sampler.distribution(session.decode(t1).clone(), history, n + 1)));
        }
        session.rewind(0);
        return new Exact(p1, p2);
    }

    static double[] toDouble(float[] p) {
        double[] d = new double[p.length];
        double sum = 0;
        for (float v : p) sum += v;
        for (int i = 0; i < p.length; i++) d[i] = p[i] / sum;
        return d;
    }

    // ---- chi-square goodness of fit

    record Fit(String name, double chi2, int df, double pValue, int impossible, int n) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-8s chi2 %8.2f  df %3d  p %.3g%s  (power 0.9 against a chi-square divergence >= %.4f)",
                    name, chi2, df, pValue, impossible > 0 ? "  " + impossible + " samples outside the support" : "",
                    df > 0 ? detectable(df) / n : Double.NaN);
        }
    }

    static List<Fit> fits(Exact e, Samples s) {
        return List.of(fit("token 1", e.firstCells(), s.first, s.n), fit("token 2", e.secondCells(), s.second, s.n),
                fit("pair", e.pairCells(), s.pair, s.n));
    }

    /**
     * Pearson's chi-square of {@code counts} against {@code probs}. Cells with an expected count below 5 are merged
     * into one bin (with the next smallest cells while it is still below 5). A sample in a cell of probability 0
     * makes the p-value 0.
     */
    static Fit fit(String name, Map<Long, Double> probs, Map<Long, Integer> counts, int n) {
        int impossible = 0;
        for (var c : counts.entrySet()) if (!probs.containsKey(c.getKey())) impossible += c.getValue();
        List<Long> cells = new ArrayList<>(probs.keySet());
        cells.sort((a, b) -> Double.compare(probs.get(a), probs.get(b)));
        double chi2 = 0, pooledE = 0;
        int pooledO = 0, bins = 0, i = 0;
        for (; i < cells.size() && (n * probs.get(cells.get(i)) < 5 || (pooledE > 0 && pooledE < 5)); i++) {
            pooledE += n * probs.get(cells.get(i));
            pooledO += counts.getOrDefault(cells.get(i), 0);
        }
        if (pooledE > 0) {
            chi2 += (pooledO - pooledE) * (pooledO - pooledE) / pooledE;
            bins++;
        }
        for (; i < cells.size(); i++) {
            double e = n * probs.get(cells.get(i));
            int o = counts.getOrDefault(cells.get(i), 0);
            chi2 += (o - e) * (o - e) / e;
            bins++;
        }
        int df = bins - 1;
        double p = impossible > 0 ? 0 : df > 0 ? chiSquareTail(chi2, df) : 1;
        return new Fit(name, chi2, df, p, impossible, n);
    }

    /** P(X > x) for X chi-square with k degrees of freedom: the regularized upper incomplete gamma Q(k/2, x/2). */
    static double chiSquareTail(double x, double k) {
        return gammaQ(k / 2, x / 2);
    }

    /** Q(a, x) = Gamma(a, x) / Gamma(a): a series for x < a + 1, else a continued fraction (Numerical Recipes 6.2). */
    static double gammaQ(double a, double x) {
        if (x <= 0) return 1;
        double lnPrefix = -x + a * Math.log(x) - logGamma(a);
        if (x < a + 1) {
            double term = 1 / a, sum = term;
            for (int n = 1; n < 10_000 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) {
                term *= x / (a + n);
                sum += term;
            }
            return Math.max(0, 1 - sum * Math.exp(lnPrefix));
        }
        double tiny = 1e-300, b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.abs(d) < tiny) d = tiny;
            c = b + an / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(lnPrefix) * h;
    }

    /** ln Gamma(x), x > 0 (Lanczos, g = 7, 9 terms). */
    static double logGamma(double x) {
        if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        double[] g = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61500916206775,
                12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
        x -= 1;
        double a = g[0], t = x + 7.5;
        for (int i = 1; i < 9; i++) a += g[i] / (x + i);
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }

    /**
     * The noncentrality lambda at which the test (alpha {@link #ALPHA}, df degrees of freedom) rejects with
     * probability 0.9: P(X > c) = sum_j Poisson(j; lambda/2) Q(df/2 + j, c/2) for X noncentral chi-square, c the
     * critical value. A sampler off by chi-square divergence D is caught with power 0.9 when N D >= lambda.
     */
    static double detectable(int df) {
        double lo = 0, hi = 10 * df + 200;
        for (int it = 0; it < 200; it++) {
            double mid = (lo + hi) / 2;
            if (chiSquareTail(mid, df) > ALPHA) lo = mid;
            else hi = mid;
        }
        double critical = hi;
        lo = 0;
        hi = 10 * df + 400;
        for (int it = 0; it < 100; it++) {
            double mid = (lo + hi) / 2;
            if (noncentralTail(critical, df, mid) < 0.9) lo = mid;
            else hi = mid;
        }
        return hi;
    }

    static double noncentralTail(double x, int df, double lambda) {
        double sum = 0, h = lambda / 2;
        for (int j = 0; j < 2000; j++) {
            double w = Math.exp(-h + j * Math.log(Math.max(h, 1e-300)) - logGamma(j + 1));
            if (h == 0) w = j == 0 ? 1 : 0;
            sum += w * chiSquareTail(x, df + 2.0 * j);
            if (j > h && w < 1e-16) break;
        }
        return sum;
    }
}
