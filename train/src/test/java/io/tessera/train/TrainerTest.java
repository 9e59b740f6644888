package io.tessera.train;

import io.tessera.model.RandomModel;
import io.tessera.TesseraException;
import io.tessera.model.Model;
import io.tessera.model.Session;
import io.tessera.model.gguf.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerTest {

    /** Documents cycling through {@code period} tokens from a varying start: the next token is always determined. */
    static List<int[]> cycles(int count, int period, int first, int minLen, int maxLen) {
        List<int[]> docs = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int d = 0; d < count; d++) {
            int len = minLen + r.nextInt(maxLen - minLen + 1);
            int start = r.nextInt(period);
            int[] doc = new int[len];
            for (int i = 0; i < len; i++) doc[i] = first + (start + i) % period;
            docs.add(doc);
        }
        return docs;
    }

    static TrainConfig small(int vocab) {
        TrainConfig c = TrainConfig.defaults();
        c.dim = 32;
        c.layers = 2;
        c.heads = 4;
        c.kvHeads = 2;
        c.ffn = 64;
        c.vocab = vocab;
        c.seqLen = 32;
        c.batch = 4;
        c.lr = 1e-2f;
        c.minLr = 1e-3f;
        c.warmup = 5;
        c.scheduleSteps = 60;
        c.weightDecay = 0.01f;
        return c.validate();
    }

    @Test
    void twoLayerModelLearnsARepeatingSequence() {
        TrainConfig c = small(32);
        Dataset data = Dataset.pack(cycles(64, 7, 3, 10, 40), c.seqLen, 0);
        List<Double> losses = new ArrayList<>();
        try (Trainer t = new Trainer(c, data)) {
            t.train(60, s -> losses.add(s.loss()));
        }
        assertThat(losses.get(0)).isGreaterThan(3.0); // ~ ln 32
        double last = losses.subList(50, 60).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        // the first token of each document cannot be predicted from nothing: the floor is about ln(7) / 25
        assertThat(last).isLessThan(0.3);
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsAtOneAndTwoThreads() {
        for (String opt : new String[]{"adamw", "stable-spam"}) {
            float[][] one = run(opt, 1), two = run(opt, 2);
            for (int i = 0; i < one.length; i++) assertThat(two[i]).as(opt + " tensor " + i).containsExactly(one[i]);
        }
    }

    private static float[][] run(String opt, int threads) {
        TrainConfig c = small(40);
        c.dim = 48; // rows not a multiple of the vector length
        c.ffn = 72;
        c.optimizer = opt;
        c.threads = threads;
        Dataset data = Dataset.pack(cycles(32, 5, 3, 5, 50), c.seqLen, 0);
        try (Trainer t = new Trainer(c, data)) {
            t.train(5, null);
            return t.params().all().stream().map(p -> p.w.clone()).toArray(float[][]::new);
        }
    }

    @Test
    void resumeWithRareTokenGatingIsBitIdentical(@TempDir Path dir) {
        // the gating's running token counts are training state: without them in the checkpoint the resumed run
        // would gate from zero counts and drift from the uninterrupted one
        TrainConfig c = small(300);
        // skewed, batch-to-batch varying token frequencies, so that the gates depend on the counts' history
        List<int[]> docs = new ArrayList<>();
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        for (int d = 0; d < 40; d++) {
            int[] doc = new int[8 + random.nextInt(50)];
            int hot = random.nextInt(64);
            for (int i = 0; i < doc.length; i++) doc[i] = random.nextInt(3) == 0 ? hot : (int) (64 * Math.pow(random.nextDouble(), 3));
            docs.add(doc);
        }
        Dataset data = Dataset.pack(docs, c.seqLen, 0);
        Path ck = dir.resolve("model.gguf");
        float[][] straight;
        try (Trainer t = new Trainer(c, data)) {
            t.objectives(new Objectives().rareTokenGating(3.0, 0.9));
            t.checkpointEvery(3, ck, RandomModel.syntheticVocabulary(300), GGMLType.F32);
            t.train(3, null);
            t.checkpointEvery(0, null, null, GGMLType.F32);
            t.train(3, null);
            straight = t.params().all().stream().map(p -> p.w.clone()).toArray(float[][]::new);
        }
        try (Trainer r = Trainer.resume(ck, data)) {
            r.objectives(new Objectives().rareTokenGating(3.0, 0.9));
            r.train(3, null);
            for (int i = 0; i < straight.length; i++) assertThat(r.params().all().get(i).w).containsExactly(straight[i]);
        }
    }

    @Test
    void checkpointLoadsInTesseraAndResumesBitIdentically(@TempDir Path dir) throws Exception {
        TrainConfig c = small(300);
        c.optimizer = "ademamix";
        c.tied = false;
        Dataset data = Dataset.pack(cycles(40, 9, 260, 8, 60), c.seqLen, 0);
        Path ck = dir.resolve("model.gguf");
        float[][] straight;
        try (Trainer t = new Trainer(c, data)) {
            t.checkpointEvery(4, ck, RandomModel.syntheticVocabulary(300), GGMLType.F32);
            t.train(4, null);
            t.train(4, null); // overwrites the checkpoint at step 8
            assertThat(t.step()).isEqualTo(8);
            // continue to step 12 without interruption
            t.checkpointEvery(0, null, null, GGMLType.F32);
            t.train(4, null);
            straight = t.params().all().stream().map(p -> p.w.clone()).toArray(float[][]::new);
        }
        try (Trainer r = Trainer.resume(ck, data, 2)) {
            assertThat(r.step()).isEqualTo(8);
            r.train(4, null);
            for (int i = 0; i < straight.length; i++) assertThat(r.params().all().get(i).w).containsExactly(straight[i]);
        }
        // the checkpoint is an ordinary llama GGUF for inference
        try (Model m = Model.load(ck); Session s = m.newSession(16, 1)) {
            assertThat(m.config().layers()).isEqualTo(2);
            float[] logits = s.prefill(new int[]{1, 260, 261, 262});
            int best = 0;
            for (int j = 1; j < logits.length; j++) if (logits[j] > logits[best]) best = j;
            assertThat(best).isBetween(0, 299);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("model.gguf", "model.gguf.train");
        }
    }

    @Test
    void f16CheckpointLoadsAndGivesNearlyTheSameLogits(@TempDir Path dir) {
        TrainConfig c = small(300);
        Dataset data = Dataset.pack(cycles(20, 9, 260, 8, 40), c.seqLen, 0);
        try (Trainer t = new Trainer(c, data)) {
            t.train(3, null);
            t.checkpointEvery(0, null, RandomModel.syntheticVocabulary(300), GGMLType.F16);
            t.save(dir.resolve("f16.gguf"));
            t.checkpointEvery(0, null, null, GGMLType.F32);
            t.save(dir.resolve("f32.gguf"));
        }
        try (Model a = Model.load(dir.resolve("f16.gguf")); Model b = Model.load(dir.resolve("f32.gguf"));
             Session sa = a.newSession(8, 1); Session sb = b.newSession(8, 1)) {
            assertThat(a.gguf().tensor("blk.0.attn_q.weight").type()).isEqualTo(GGMLType.F16);
            assertThat(a.gguf().tensor("blk.0.attn_norm.weight").type()).isEqualTo(GGMLType.F32);
            assertThat(a.gguf().tensorOrNull("output.weight")).isNull(); // tied
            float[] la = sa.prefill(new int[]{1, 265, 266}), lb = sb.prefill(new int[]{1, 265, 266});
            for (int j = 0; j < la.length; j++) assertThat(la[j]).isCloseTo(lb[j], org.assertj.core.api.Assertions.within(2e-2f));
        }
    }

    @Test
    void divergingLossStopsWithAClearMessageAndKeepsTheLastCheckpoint(@TempDir Path dir) throws Exception {
        TrainConfig c = small(300);
        Dataset data = Dataset.pack(cycles(20, 9, 260, 8, 40), c.seqLen, 0);
        Path ck = dir.resolve("model.gguf");
        try (Trainer t = new Trainer(c, data)) {
            t.checkpointEvery(2, ck, RandomModel.syntheticVocabulary(300), GGMLType.F32);
            t.train(2, null);
            byte[] before = Files.readAllBytes(ck);
            t.params().layers[0].wq().w[5] = Float.NaN; // a corrupted weight makes the loss NaN
            assertThatThrownBy(() -> t.train(2, null)).isInstanceOf(TesseraException.class)
                    .hasMessage("train: step 3: loss is NaN (training diverged; lower lr or clipNorm); the last good checkpoint "
                            + ck + " (step 2) is kept");
            assertThat(Files.readAllBytes(ck)).isEqualTo(before);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.count()).isEqualTo(2); // no temporary or half-written file
        }
        try (Trainer r = Trainer.resume(ck, data)) {
            assertThat(r.step()).isEqualTo(2);
        }
    }

    @Test
    void resumeRejectsAMismatchedPair(@TempDir Path dir) throws Exception {
        TrainConfig c = small(300);
        Dataset data = Dataset.pack(cycles(20, 9, 260, 8, 40), c.seqLen, 0);
        Path a = dir.resolve("a.gguf"), b = dir.resolve("b.gguf");
        try (Trainer t = new Trainer(c, data)) {
            t.checkpointEvery(0, null, RandomModel.syntheticVocabulary(300), GGMLType.F32);
            t.save(a);
            t.train(1, null);
            t.save(b);
        }
        Files.copy(Checkpoint.sidecar(b), Checkpoint.sidecar(a), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> Trainer.resume(a, data)).isInstanceOf(TesseraException.class)
                .hasMessageContaining("training state is from step 1 but " + a + " from step 0");
        assertThatThrownBy(() -> Trainer.resume(dir.resolve("none.gguf"), data)).hasMessageContaining("checkpoint not found");
    }
}
