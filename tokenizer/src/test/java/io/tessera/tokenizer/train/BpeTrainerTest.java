package io.tessera.tokenizer.train;

import io.tessera.TesseraException;
import io.tessera.tokenizer.hf.HFTokenizer;
import io.tessera.tokenizer.hf.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTrainerTest {

    private static List<String> merges(TrainedBpe t) {
        List<String> out = new ArrayList<>();
        for (String[] m : t.merges()) out.add(m[0] + " " + m[1]);
        return out;
    }

    /**
     * Worked by hand. Alphabet sorted by code point: b=0 g=1 h=2 n=3 p=4 s=5 u=6. Pair counts:
     * hu 10+5=15, ug 10+5+5=20, pu 5+12=17, un 12+4=16, bu 4, gs 5.
     * 1. "u g" (20) -> ug=7; now h·ug 15, p·ug 5, ug·s 5, pu 12, un 16.
     * 2. "u n" (16) -> un=8; now p·un 12, b·un 4, pu 0.
     * 3. "h ug" (15) -> hug=9; now hug·s 5.
     * 4. "p un" (12) -> pun=10.
     * 5. tie at 5 between (p, ug) = (4, 7) and (hug, s) = (9, 5): the smaller id pair (4, 7) wins, so
     *    "p ug" (by strings "hug s" would sort first). 6. "hug s" (5). 7. "b un" (4). Then no pairs.
     */
    private static final Map<String, Long> HUGS = new LinkedHashMap<>(Map.of("hug", 10L, "pug", 5L, "pun", 12L, "bun", 4L, "hugs", 5L));

    @Test
    void handWorkedMergesAndIdTieBreak() {
        TrainedBpe t = new BpeTrainer().byteLevelAlphabet(false).vocabSize(100).trainWordCounts(HUGS);
        assertEquals(List.of("u g", "u n", "h ug", "p un", "p ug", "hug s", "b un"), merges(t));
        assertEquals(List.of("b", "g", "h", "n", "p", "s", "u", "ug", "un", "hug", "pun", "pug", "hugs", "bun"), t.vocab());
    }

    @Test
    void stopsAtVocabSizeAndMinFrequency() {
        assertEquals(List.of("u g", "u n", "h ug"), merges(new BpeTrainer().byteLevelAlphabet(false).vocabSize(10).trainWordCounts(HUGS)));
        assertEquals(List.of("u g", "u n", "h ug", "p un", "p ug", "hug s"),
                merges(new BpeTrainer().byteLevelAlphabet(false).minFrequency(5).trainWordCounts(HUGS)));
    }

    @Test
    void specialTokensFirstAndLimitAlphabet() {
        // specials take ids 0.. ; limit 5 drops the two rarest characters: b (4) and s (5)
        TrainedBpe t = new BpeTrainer().byteLevelAlphabet(false).specialTokens("<s>", "</s>", "<s>").limitAlphabet(5).vocabSize(9)
                .trainWordCounts(HUGS);
        assertEquals(List.of("<s>", "</s>", "g", "h", "n", "p", "u", "ug", "un"), t.vocab());
    }

    /** Hugging Face's own unit test of its BPE trainer (trainer.rs test_train): the same vocabulary and merges. */
    @Test
    void huggingFaceTrainerUnitTest() {
        Map<String, Long> wc = new LinkedHashMap<>();
        for (Object[] e : new Object[][] {{"roses", 1L}, {"are", 2L}, {"red", 1L}, {"voilets", 1L}, {"blue", 1L}, {"BERT", 1L},
                {"is", 2L}, {"big", 1L}, {"and", 1L}, {"so", 1L}, {"GPT-2", 1L}}) {
            wc.put((String) e[0], (Long) e[1]);
        }
        TrainedBpe t = new BpeTrainer().byteLevelAlphabet(false).minFrequency(2).vocabSize(30000).trainWordCounts(wc);
        assertEquals(List.of("-", "2", "B", "E", "G", "P", "R", "T", "a", "b", "d", "e", "g", "i", "l", "n", "o", "r", "s", "t", "u", "v",
                "re", "are", "is"), t.vocab());
        assertEquals(List.of("r e", "a re", "i s"), merges(t));
    }

    /** Hugging Face's trainer.rs test bpe_test_max_token_length_direct_assert: the same vocabulary, in id order. */
    @Test
    void maxTokenLengthAsHuggingFace() {
        Map<String, Long> wc = new LinkedHashMap<>();
        for (String w : List.of("sin", "Sin", "Lon", "Ano", "짧은한", "긴한글", "短字符", "长字符", "短い文", "長い文", "so", "GP")) wc.put(w, 2L);
        TrainedBpe t = new BpeTrainer().byteLevelAlphabet(false).maxTokenLength(2).vocabSize(30000).trainWordCounts(wc);
        assertEquals(List.of("A", "G", "L", "P", "S", "i", "n", "o", "s", "い", "字", "文", "短", "符", "長", "长", "글", "긴", "은", "짧", "한",
                "in", "い文", "字符", "An", "GP", "Lo", "so", "긴한", "은한"), t.vocab());
    }

    /** Hugging Face's bpe_test_max_token_length_16: no learned token is longer than the limit. */
    @Test
    void maxTokenLengthBoundsTokens() {
        Map<String, Long> wc = new LinkedHashMap<>();
        for (String w : List.of("singlelongtokenwithoutcasechange", "singleLongTokenWithCamelCaseChange", "Longsingletokenwithpunctu@t!onwithin",
                "Anotherlongsingletokenwithnumberw1th1n", "짧은한글문자열짧은한", "긴한글문자열긴한글문자열긴한글문", "短字符串短字符串短字",
                "长字符串长字符串长字符串长字符串", "短い文字列短い文字列", "長い文字列長い文字列長い文字列長", "so", "GPT-2")) wc.put(w, 2L);
        TrainedBpe limited = new BpeTrainer().byteLevelAlphabet(false).maxTokenLength(16).vocabSize(30000).trainWordCounts(wc);
        for (String tok : limited.vocab()) assertTrue(tok.codePointCount(0, tok.length()) < 16, tok);
        TrainedBpe free = new BpeTrainer().byteLevelAlphabet(false).vocabSize(30000).trainWordCounts(wc);
        assertTrue(free.vocab().stream().anyMatch(tok -> tok.length() > 16));
    }

    /**
     * The first 2000 merges Hugging Face tokenizers 0.23.2 (its Node binding, {@code Tokenizer.train}
     * with the default BpeTrainer) learns from the first 400 lines of the shared english, code and
     * multilingual corpora and 150 of adversarial, one file each, with the same pre-tokenizer.
     */
    @Test
    void sameMergesAsHuggingFaceOnTheSharedCorpora() throws IOException {
        List<String> texts = new ArrayList<>();
        for (String c : SharedData.CORPORA) {
            List<String> lines = SharedData.corpus(c);
            texts.add(String.join("\n", lines.subList(0, c.equals("adversarial") ? 150 : 400)) + "\n");
        }
        for (BpeTrainer.Split split : BpeTrainer.Split.values()) {
            List<String> expected;
            try (InputStream in = BpeTrainerTest.class.getResourceAsStream("/train/hf-merges-" + split + ".txt")) {
                expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            }
            // Hugging Face's alphabet is the characters seen; ours adds the rest of the 256 byte-level ones
            TrainedBpe t = new BpeTrainer().split(split).byteLevelAlphabet(false).vocabSize(100_000).trainTexts(texts);
            assertEquals(expected, merges(t).subList(0, expected.size()), split.toString());
            TrainedBpe full = new BpeTrainer().split(split).vocabSize(256 + expected.size()).trainTexts(texts);
            assertEquals(expected, merges(full), split.toString());
        }
    }

    @Test
    void roundTripsTheSharedCorporaAndIsDeterministic() throws IOException {
        List<String> texts = new ArrayList<>();
        for (String c : SharedData.CORPORA) texts.add(String.join("\n", SharedData.corpus(c).subList(0, c.equals("adversarial") ? 150 : 300)) + "\n");
        for (BpeTrainer.Split split : BpeTrainer.Split.values()) {
            TrainedBpe a = new BpeTrainer().split(split).vocabSize(1200).specialTokens("<|endoftext|>").threads(2).trainTexts(texts);
            if (split == BpeTrainer.Split.LLAMA3) {
                TrainedBpe b = new BpeTrainer().split(split).vocabSize(1200).specialTokens("<|endoftext|>").threads(1).trainTexts(texts);
                assertEquals(a.toJson(), b.toJson(), "same tokenizer.json on 1 and 2 threads");
            }
            assertEquals(1200, a.vocab().size());
            HFTokenizer tok = HFTokenizer.fromJson(a.toJson());
            assertEquals(0, tok.tokenId("<|endoftext|>"));
            assertArrayEquals(new int[] {0}, tok.encode("<|endoftext|>", false, true));
            for (String c : SharedData.CORPORA) {
                List<String> lines = SharedData.corpus(c);
                for (int i = split.ordinal(); i < lines.size(); i += 8) { // every 8th line: the test stays fast
                    String text = lines.get(i) + "<|endoftext|>";
                    assertEquals(text, tok.decode(tok.encode(text, false, true), true), c);
                }
            }
        }
    }

    @Test
    void specialTokenTextIsNotCounted() {
        TrainedBpe t = new BpeTrainer().vocabSize(300).specialTokens("<|endoftext|>")
                .trainTexts(List.of("<|endoftext|>".repeat(50) + " ab ab\n"));
        assertEquals(List.of("a b", "Ġ ab"), merges(t));
        for (String m : merges(t)) assertTrue(!m.contains("|") && !m.contains("<"), m);
    }

    @Test
    void readsStrictUtf8WithOneLineErrors(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("missing.txt");
        assertEquals(missing + ": no such file", assertThrows(TesseraException.class, () -> BpeTrainer.readUtf8(missing)).getMessage());
        Path empty = Files.write(dir.resolve("empty.txt"), new byte[0]);
        assertEquals(empty + ": empty file", assertThrows(TesseraException.class, () -> BpeTrainer.readUtf8(empty)).getMessage());
        Path bad = Files.write(dir.resolve("bad.txt"), new byte[] {'a', 'b', (byte) 0xC3, 'c'});
        assertEquals(bad + ": not UTF-8: invalid byte sequence at byte offset 2",
                assertThrows(TesseraException.class, () -> BpeTrainer.readUtf8(bad)).getMessage());
        Path cut = Files.write(dir.resolve("cut.txt"), new byte[] {'a', (byte) 0xE2, (byte) 0x82});
        assertTrue(assertThrows(TesseraException.class, () -> BpeTrainer.readUtf8(cut)).getMessage().endsWith("at byte offset 1"));
        assertEquals("héllo\n", BpeTrainer.readUtf8(Files.writeString(dir.resolve("ok.txt"), "héllo\n")));
    }

    @Test
    void writesAtomically(@TempDir Path dir) throws IOException {
        TrainedBpe t = new BpeTrainer().vocabSize(260).trainTexts(List.of("hello hello\n"));
        Path out = dir.resolve("tokenizer.json");
        Files.writeString(out, "old");
        t.write(out);
        assertEquals(t.toJson(), Files.readString(out));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file left");
        }
        Path inMissingDir = dir.resolve("no/such/dir/tokenizer.json");
        assertThrows(TesseraException.class, () -> t.write(inMissingDir));
        assertTrue(Files.notExists(inMissingDir));
    }
}
