package io.tessera.train;

import io.tessera.TesseraException;
import io.tessera.model.Parallel;
import io.tessera.tokenizer.StreamingDetokenizer;
import io.tessera.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DataTest {

    @Test
    void packsDocumentsBestFitWithPositionsTargetsAndPadding() {
        // slots needed: 7, 5, 3, 3, 2 (= length - 1); rows of 8: {7}, {5, 3}, {3, 2} -> 20 of 24 slots used
        List<int[]> docs = List.of(seq(1, 8), seq(20, 6), seq(40, 4), seq(50, 4), seq(60, 3));
        Dataset d = Dataset.pack(docs, 8, 0);
        assertThat(d.rows()).isEqualTo(3);
        assertThat(d.tokens()).isEqualTo(20);
        assertThat(d.paddingFraction()).isCloseTo(4 / 24.0, within(1e-12));
        Batch b = d.rows(0, 3);
        assertThat(slice(b.tokens(), 0)).containsExactly(1, 2, 3, 4, 5, 6, 7, 0);
        assertThat(slice(b.targets(), 0)).containsExactly(2, 3, 4, 5, 6, 7, 8, 0);
        assertThat(slice(b.positions(), 0)).containsExactly(0, 1, 2, 3, 4, 5, 6, 0);
        assertThat(sliceF(b.weights(), 0)).containsExactly(1, 1, 1, 1, 1, 1, 1, 0);
        assertThat(slice(b.tokens(), 1)).containsExactly(20, 21, 22, 23, 24, 40, 41, 42);
        assertThat(slice(b.targets(), 1)).containsExactly(21, 22, 23, 24, 25, 41, 42, 43);
        assertThat(slice(b.positions(), 1)).containsExactly(0, 1, 2, 3, 4, 0, 1, 2);
        assertThat(slice(b.tokens(), 2)).containsExactly(50, 51, 52, 60, 61, 0, 0, 0);
        assertThat(slice(b.positions(), 2)).containsExactly(0, 1, 2, 0, 1, 0, 1, 2);
        assertThat(sliceF(b.weights(), 2)).containsExactly(1, 1, 1, 1, 1, 0, 0, 0);
    }

    @Test
    void longDocumentsAreCutIntoOverlappingPieces() {
        Dataset d = Dataset.pack(List.of(seq(100, 20)), 8, 0); // 19 predictions -> 8 + 8 + 3
        assertThat(d.tokens()).isEqualTo(19);
        Batch b = d.rows(0, d.rows());
        List<Integer> targets = new ArrayList<>();
        for (int t = 0; t < b.size(); t++) if (b.weights()[t] > 0) targets.add(b.targets()[t]);
        assertThat(targets).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(101, 120).boxed().toList());
    }

    @Test
    void aDocumentPackedWithOthersGetsTheSameLogitsAsAlone() {
        TrainConfig c = GradientCheckTest.tiny();
        c.seqLen = 12;
        c.initStd = 0.2f;
        Params p = new Params(c);
        int[] doc = {3, 7, 1, 9, 4, 4, 2};
        try (Parallel par = new Parallel(1)) {
            TrainModel m = new TrainModel(c, p, par);
            Dataset alone = Dataset.pack(List.of(doc), 12, 0);
            m.forward(alone.rows(0, 1));
            float[] a = java.util.Arrays.copyOf(m.logits(), 6 * c.vocab);
            Dataset packed = Dataset.pack(List.of(new int[]{5, 5, 6, 10, 2, 8, 0}, doc), 12, 0); // equal lengths: corpus order
            Batch b = packed.rows(0, 1);
            assertThat(slice(b.tokens(), 0, 12)).startsWith(5, 5, 6, 10, 2, 8, 3, 7);
            m.forward(b);
            float[] second = java.util.Arrays.copyOfRange(m.logits(), 6 * c.vocab, 12 * c.vocab);
            assertThat(second).containsExactly(a); // identical arithmetic: the other document is invisible
        }
    }

    @Test
    void heldOutSplitIsSeededAndDisjoint() {
        List<int[]> docs = new ArrayList<>();
        for (int i = 0; i < 100; i++) docs.add(new int[]{i, i + 1});
        Corpus.Split s = Corpus.split(docs, 0.1, 42);
        assertThat(s.heldOut()).hasSize(10);
        assertThat(s.train()).hasSize(90);
        Corpus.Split again = Corpus.split(docs, 0.1, 42);
        assertThat(again.heldOut().stream().map(x -> x[0]).toList()).isEqualTo(s.heldOut().stream().map(x -> x[0]).toList());
        assertThat(s.train()).doesNotContainAnyElementsOf(s.heldOut());
        assertThat(Corpus.split(docs.subList(0, 3), 0.01, 1).heldOut()).hasSize(1);
    }

    @Test
    void corpusFromTextFilesWithSeparator(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.txt");
        Files.writeString(f, "ab\n<|endoftext|>\ncd\ne\n<|endoftext|>\n\n");
        List<int[]> docs = Corpus.read(List.of(f), BYTES, "<|endoftext|>");
        assertThat(docs).hasSize(2);
        assertThat(docs.get(0)).containsExactly(1, 'a' + 3, 'b' + 3, 2);
        assertThat(docs.get(1)).containsExactly(1, 'c' + 3, 'd' + 3, '\n' + 3, 'e' + 3, 2);
    }

    @Test
    void badCorpora(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.txt");
        Files.write(bad, new byte[]{'o', 'k', (byte) 0xC3, '(', 'x'});
        assertThatThrownBy(() -> Corpus.read(List.of(bad), BYTES, null)).isInstanceOf(TesseraException.class)
                .hasMessage(bad + ": not valid UTF-8 at byte offset 2");
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "  \n\n");
        assertThatThrownBy(() -> Corpus.read(List.of(empty), BYTES, null)).isInstanceOf(TesseraException.class)
                .hasMessage("corpus: no text in [" + empty + "]");
        assertThatThrownBy(() -> Corpus.read(List.of(dir.resolve("missing.txt")), BYTES, null)).hasMessage(dir.resolve("missing.txt") + ": corpus file not found");
        assertThatThrownBy(() -> Dataset.pack(List.of(new int[]{4}), 8, 0)).hasMessageContaining("no document has the 2 tokens");
    }

    static int[] seq(int first, int len) {
        int[] a = new int[len];
        for (int i = 0; i < len; i++) a[i] = first + i;
        return a;
    }

    static int[] slice(int[] a, int row) {
        return java.util.Arrays.copyOfRange(a, row * 8, row * 8 + 8);
    }

    static int[] slice(int[] a, int row, int width) {
        return java.util.Arrays.copyOfRange(a, row * width, row * width + width);
    }

    static float[] sliceF(float[] a, int row) {
        return java.util.Arrays.copyOfRange(a, row * 8, row * 8 + 8);
    }

    /** Bytes + 3, BOS 1, EOS 2. */
    static final Tokenizer BYTES = new Tokenizer() {
        public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[b.length + (addSpecial ? 1 : 0)];
            int k = 0;
            if (addSpecial) ids[k++] = 1;
            for (byte x : b) ids[k++] = (x & 0xFF) + 3;
            return ids;
        }
        public String decode(int[] ids, boolean renderSpecial) { return ""; }
        public byte[] tokenBytes(int id) { return new byte[0]; }
        public String piece(int id) { return ""; }
        public int vocabSize() { return 259; }
        public int bos() { return 1; }
        public int eos() { return 2; }
        public boolean isEog(int id) { return id == 2; }
        public StreamingDetokenizer streamingDetokenizer(boolean renderSpecial) { return null; }
    };
}
