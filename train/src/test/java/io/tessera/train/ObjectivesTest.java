package io.tessera.train;

import io.tessera.model.Parallel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Each token-level objective on a toy task where its effect shows. */
class ObjectivesTest {

    static TrainConfig cfg() {
        TrainConfig c = TrainerTest.small(24);
        c.dim = 16;
        c.heads = 2;
        c.kvHeads = 1;
        c.ffn = 32;
        c.layers = 1;
        c.seqLen = 16;
        c.tied = false;
        c.lr = 2e-2f;
        c.warmup = 0;
        c.schedule = "constant";
        c.weightDecay = 0f;
        return c.validate();
    }

    /** Token 3 is followed by 4 in 80% of the cases and by a random token of 10..19 otherwise. */
    static List<int[]> noisyPairs(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<int[]> docs = new ArrayList<>();
        for (int i = 0; i < count; i++) docs.add(new int[]{3, r.nextDouble() < 0.8 ? 4 : 10 + r.nextInt(10)});
        return docs;
    }

    static double probOf4After3(Trainer t) {
        TrainModel m = t.model();
        int[] tok = new int[16];
        tok[0] = 3;
        m.forward(Batch.of(1, 16, tok, new int[16]));
        float[] l = m.logits();
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < 24; j++) max = Math.max(max, l[j]);
        for (int j = 0; j < 24; j++) sum += Math.exp(l[j] - max);
        return Math.exp(l[4] - max) / sum;
    }

    @Test
    void lowProbabilityDampingDiscountsNoisyTargets() {
        Dataset data = Dataset.pack(noisyPairs(400, 1), 16, 0);
        double plain, damped;
        try (Trainer t = new Trainer(cfg(), data)) {
            t.train(80, null);
            plain = probOf4After3(t);
        }
        try (Trainer t = new Trainer(cfg(), data)) {
            t.objectives(new Objectives().lowProbDamping(1.0));
            t.train(80, null);
            damped = probOf4After3(t);
        }
        // plain cross-entropy calibrates to the 80% frequency; damped, the rare noisy targets count less
        assertThat(plain).isBetween(0.7, 0.88);
        assertThat(damped).isGreaterThan(plain + 0.05);
    }

    @Test
    void tokenWeightsMaskATargetOut() {
        Dataset data = Dataset.pack(noisyPairs(400, 2), 16, 0);
        float[] w = new float[24];
        java.util.Arrays.fill(w, 1f);
        w[4] = 0f;
        try (Trainer t = new Trainer(cfg(), data)) {
            t.objectives(new Objectives().tokenWeights(w));
            t.train(40, null);
            assertThat(probOf4After3(t)).isLessThan(0.05); // never rewarded, only pushed down
        }
    }

    @Test
    void selectiveLossKeepsTheTokensWithTheHighestExcessLoss() {
        TrainConfig c = cfg();
        Dataset data = Dataset.pack(TrainerTest.cycles(16, 5, 3, 10, 17), 16, 0);
        try (Parallel par = new Parallel(1)) {
            Params refParams = new Params(c);
            TrainModel ref = new TrainModel(c, refParams, par);
            try (Trainer t = new Trainer(c, data)) {
                Objectives o = new Objectives().selective(0.25, ref);
                Batch b = data.batch(0, c.batch, c.seed);
                t.model().forward(b);
                float[] mine = t.model().tokenLosses().clone();
                double loss = o.apply(t.model(), b);
                ref.forward(b);
                float[] refLoss = ref.tokenLosses();
                float[] w = t.model().lossWeights();
                int live = 0, kept = 0;
                double minKept = Double.POSITIVE_INFINITY, maxDropped = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < b.size(); i++) {
                    if (b.weights()[i] == 0) continue;
                    live++;
                    double excess = mine[i] - refLoss[i];
                    if (w[i] > 0) {
                        kept++;
                        minKept = Math.min(minKept, excess);
                    } else {
                        maxDropped = Math.max(maxDropped, excess);
                    }
                }
                assertThat(kept).isEqualTo((int) Math.ceil(0.25 * live));
                assertThat(minKept).isGreaterThanOrEqualTo(maxDropped);
                assertThat(loss).isEqualTo(t.model().loss());
            }
        }
    }

    /** Clean documents cycle through tokens 3..9; noise documents are uniform over 12..39 (nothing to learn). */
    static List<int[]> cleanAndNoise(int count, double noiseFraction, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<int[]> docs = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            int[] doc = new int[17];
            boolean noise = r.nextDouble() < noiseFraction;
            int start = r.nextInt(7);
            for (int i = 0; i < doc.length; i++) doc[i] = noise ? 12 + r.nextInt(28) : 3 + (start + i) % 7;
            docs.add(doc);
        }
        return docs;
    }

    @Test
    void selectiveLossLearnsTheCleanTokensFasterThanPlainTrainingOnNoisyData() {
        // Rho-1's setting: a reference model trained on clean data; the mixed corpus is half noise. With the
        // reference, the tokens with the highest excess loss are the learnable ones, so selective training
        // spends its updates on them and reaches a lower loss on clean held-out text in the same steps.
        TrainConfig c = cfg();
        c.vocab = 40;
        c.lr = 1e-2f;
        Dataset clean = Dataset.pack(cleanAndNoise(64, 0, 1), 16, 0);
        Dataset mixed = Dataset.pack(cleanAndNoise(256, 0.5, 2), 16, 0);
        Dataset heldOut = Dataset.pack(cleanAndNoise(32, 0, 3), 16, 0);
        TrainConfig rc = c.copy();
        rc.seed = 99;
        try (Trainer ref = new Trainer(rc, clean); Trainer plain = new Trainer(c, mixed); Trainer selective = new Trainer(c, mixed)) {
            ref.train(60, null);
            assertThat(ref.evaluate(heldOut)).isLessThan(0.5);
            selective.objectives(new Objectives().selective(0.5, ref.model()));
            plain.train(25, null);
            selective.train(25, null);
            double p = plain.evaluate(heldOut), s = selective.evaluate(heldOut);
            assertThat(s).as("selective %.3f vs plain %.3f", s, p).isLessThan(0.85 * p); // observed: 0.30 vs 0.39
        }
    }

    @Test
    void rareTokenGatingStopsUnseenEmbeddingsFromDriftingTogether() {
        // tokens 20..23 never occur as targets: without gating, their output rows all receive the same
        // "push away from every hidden state" gradient and move together
        Dataset data = Dataset.pack(TrainerTest.cycles(32, 7, 3, 8, 17), 16, 0);
        double drift = drift(data, null), gated = drift(data, new Objectives().rareTokenGating(0.5, 0.9));
        assertThat(drift).isGreaterThan(0.05);
        assertThat(gated).isLessThan(drift / 10);
    }

    private static double drift(Dataset data, Objectives o) {
        try (Trainer t = new Trainer(cfg(), data)) {
            if (o != null) t.objectives(o);
            float[] before = t.params().output.w.clone();
            t.train(30, null);
            float[] after = t.params().output.w;
            double s = 0;
            int d = t.config().dim;
            for (int v = 20; v < 24; v++) for (int i = 0; i < d; i++) s += Math.pow(after[v * d + i] - before[v * d + i], 2);
            return Math.sqrt(s);
        }
    }
}
