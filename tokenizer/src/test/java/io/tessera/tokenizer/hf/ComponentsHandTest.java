package io.tessera.tokenizer.hf;

import io.tessera.tokenizer.Encoding;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.List;

import static io.tessera.tokenizer.hf.ComponentsTest.tok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * More components on tiny hand-written tokenizer.json files, each expectation worked out by hand from
 * Hugging Face's definitions (and checked once against Hugging Face tokenizers 0.23.2).
 */
class ComponentsHandTest {

    private static int[][] offsets(Encoding e) {
        int[][] o = new int[e.size()][];
        for (int i = 0; i < e.size(); i++) o[i] = e.offsets(i);
        return o;
    }

    private static String wl(String vocab) {
        return "{\"type\":\"WordLevel\",\"vocab\":{" + vocab + "},\"unk_token\":\"?\"}";
    }

    /**
     * A darts-clone double array by hand: the root (unit 0) has offset 256, so byte c of a key's first
     * byte lives at 256 ^ c. "A" (41) -> unit 321 with a leaf at 512 (value 0: "a"); "ﬁ" (EF AC 81) ->
     * units 495, 940, 1153 with a leaf at 1280 (value 2: "fi"). A unit is offset << 10 | has_leaf << 8 | label;
     * a node's children are at (its index ^ its offset) ^ byte.
     */
    static String charsmap() {
        int[] u = new int[1281];
        u[0] = 256 << 10;
        u[321] = (833 << 10) | (1 << 8) | 0x41;
        u[512] = (1 << 31) | 0;
        u[495] = (751 << 10) | 0xEF;
        u[940] = (1964 << 10) | 0xAC;
        u[1153] = (385 << 10) | (1 << 8) | 0x81;
        u[1280] = (1 << 31) | 2;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int size = u.length * 4;
        for (int k = 0; k < 4; k++) b.write(size >>> (8 * k));
        for (int v : u) for (int k = 0; k < 4; k++) b.write(v >>> (8 * k));
        b.writeBytes("a\0fi\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(b.toByteArray());
    }

    @Test
    void precompiledCharsmapWithOffsets() {
        String norm = "{\"type\":\"Precompiled\",\"precompiled_charsmap\":\"" + charsmap() + "\"}";
        HFTokenizer t = tok(norm, "{\"type\":\"WhitespaceSplit\"}", wl("\"?\":0,\"afib\":1,\"ax\":2,\"xay\":3"), "null", "null", "[]");
        Encoding e = t.encoding("A\uFB01b A\u0301x xAy", false);
        // "Aﬁb" -> "afib"; the grapheme "Á" (A + U+0301) is replaced as a whole by the match of its prefix "A"
        assertThat(e.ids()).containsExactly(1, 2, 3);
        assertThat(offsets(e)).isDeepEqualTo(new int[][] {{0, 3}, {4, 7}, {8, 11}});
    }

    static final String BL = "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}";
    static final String BPE = "{\"type\":\"BPE\",\"vocab\":{\"<s>\":0,\"</s>\":1,\"h\":2,\"e\":3,\"l\":4,\"o\":5,\"\u0120\":6,\"w\":7,\"r\":8,\"d\":9,\"i\":10,"
            + "\"he\":11,\"hel\":12,\"hell\":13,\"hello\":14,\"\u0120w\":15,\"\u0120wo\":16,\"\u0120wor\":17,\"\u0120worl\":18,\"\u0120world\":19,\"hi\":20},"
            + "\"merges\":[\"h e\",\"he l\",\"hel l\",\"hell o\",\"\u0120 w\",\"\u0120w o\",\"\u0120wo r\",\"\u0120wor l\",\"\u0120worl d\",\"h i\"]}";
    static final String SPECIALS = "[{\"id\":0,\"content\":\"<s>\",\"special\":true},{\"id\":1,\"content\":\"</s>\",\"special\":true}]";

    @Test
    void robertaProcessingTypeIdsAndOffsetTrimming() {
        for (boolean trim : new boolean[] {true, false}) {
            String post = "{\"type\":\"RobertaProcessing\",\"sep\":[\"</s>\",1],\"cls\":[\"<s>\",0],\"trim_offsets\":" + trim + ",\"add_prefix_space\":false}";
            Encoding e = tok("null", BL, BPE, post, BL, SPECIALS).encoding("hello  world", "hi", true);
            // "hello  world" splits into "hello", " " (the space before another space), " world"
            assertThat(e.ids()).containsExactly(0, 14, 6, 19, 1, 1, 20, 1);
            assertThat(e.typeIds()).containsExactly(0, 0, 0, 0, 0, 0, 0, 0); // RoBERTa: all 0, also for the pair
            assertThat(e.specialTokensMask()).containsExactly(1, 0, 0, 0, 1, 1, 0, 1);
            int[][] mid = trim ? new int[][] {{6, 6}, {7, 12}} : new int[][] {{5, 6}, {6, 12}}; // trimming drops the leading space
            assertThat(offsets(e)).isDeepEqualTo(new int[][] {{0, 0}, {0, 5}, mid[0], mid[1], {0, 0}, {0, 0}, {0, 2}, {0, 0}});
        }
    }

    @Test
    void byteLevelPostProcessorTrimsOffsets() {
        for (boolean trim : new boolean[] {true, false}) {
            String post = "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":" + trim + ",\"use_regex\":true}";
            Encoding e = tok("null", BL, BPE, post, BL, SPECIALS).encoding("hello  world", true);
            assertThat(e.ids()).containsExactly(14, 6, 19);
            assertThat(offsets(e)).isDeepEqualTo(trim ? new int[][] {{0, 5}, {6, 6}, {7, 12}} : new int[][] {{0, 5}, {5, 6}, {6, 12}});
        }
    }

    @Test
    void offsetsAfterNfkc() {
        // NFKC: "ﬁ" (1 char) -> "fi" (2 chars), both map back to the ligature's [2, 3)
        Encoding k = tok("{\"type\":\"NFKC\"}", "{\"type\":\"WhitespaceSplit\"}", wl("\"?\":0,\"fix\":1,\"a\":2"), "null", "null", "[]")
                .encoding("a \uFB01x a", false);
        assertThat(k.ids()).containsExactly(2, 1, 2);
        assertThat(offsets(k)).isDeepEqualTo(new int[][] {{0, 1}, {2, 4}, {5, 6}});
    }

    @Test
    void offsetsAfterNfc() {
        // NFC: "e" + U+0301 (2 chars) -> "é", aligned (as in Hugging Face) with the "e" only: the word ends before the accent
        Encoding c = tok("{\"type\":\"NFC\"}", "{\"type\":\"WhitespaceSplit\"}", wl("\"?\":0,\"\u00e9t\u00e9\":1,\"a\":2"), "null", "null", "[]")
                .encoding("a e\u0301te\u0301 a", false);
        assertThat(c.ids()).containsExactly(2, 1, 2);
        assertThat(offsets(c)).isDeepEqualTo(new int[][] {{0, 1}, {2, 6}, {8, 9}});
    }

    /** Normalized text and, per char, its original start. */
    private static String aligned(String text, java.text.Normalizer.Form form) {
        NormalizedString n = AlignedNormalization.normalize(NormalizedString.of(text, 0), form);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n.length(); i++) sb.append(String.format("U+%04X[%d,%d) ", (int) n.text.charAt(i), n.start[i], n.end[i]));
        return sb.toString().trim();
    }

    @Test
    void unicodeNormalizationAlignsAsHuggingFace() {
        // worked through unicode-normalization-alignments and NormalizedString::transform (and checked with HF through DJL)
        // composition: the composed char takes the first source char; a mark left over takes the next one
        assertThat(aligned("e\u0323\u0301", java.text.Normalizer.Form.NFC)).isEqualTo("U+1EB9[0,1) U+0301[2,3)");
        // canonical reordering moves the marks but not the alignments: U+0323 (class 220) now sits on U+0307's range
        assertThat(aligned("q\u0307\u0323", java.text.Normalizer.Form.NFC)).isEqualTo("U+0071[0,1) U+0323[1,2) U+0307[2,3)");
        // Hangul jamo compose into one syllable, aligned with the leading consonant
        assertThat(aligned("\u1100\u1161\u11A8", java.text.Normalizer.Form.NFC)).isEqualTo("U+AC01[0,1)");
        // decomposition: every char aligns with the char it came from
        assertThat(aligned("x\u00E9", java.text.Normalizer.Form.NFD)).isEqualTo("U+0078[0,1) U+0065[1,2) U+0301[1,2)");
        assertThat(aligned("\uFB01\u2460", java.text.Normalizer.Form.NFKC)).isEqualTo("U+0066[0,1) U+0069[0,1) U+0031[1,2)");
    }

    @Test
    void singleWordAndStrippedAddedTokens() {
        String sw = "[{\"id\":3,\"content\":\"ab\",\"single_word\":true,\"normalized\":false,\"special\":false}]";
        Encoding e = tok("null", "{\"type\":\"WhitespaceSplit\"}", wl("\"?\":0,\"c\":1,\"x\":2,\"ab\":3,\"cab\":4"), "null", "null", sw)
                .encoding("ab cab ab, xab", false);
        // "ab" only where it is not part of a longer word: not in "cab" or "xab"; "," is not a word character
        assertThat(e.tokens()).containsExactly("ab", "cab", "ab", "?", "?");
        String strip = "[{\"id\":3,\"content\":\"<m>\",\"lstrip\":true,\"rstrip\":true,\"normalized\":false,\"special\":true}]";
        Encoding s = tok("null", "{\"type\":\"WhitespaceSplit\"}", wl("\"?\":0,\"a\":1,\"b\":2"), "null", "null", strip).encoding("a  <m>  b", false);
        assertThat(s.ids()).containsExactly(1, 3, 2);
        assertThat(offsets(s)).isDeepEqualTo(new int[][] {{0, 1}, {1, 8}, {8, 9}}); // the token takes the spaces around it
    }

    @Test
    void decoders() {
        HFTokenizer ctc = tok("null", "null", wl("\"?\":0"), "null", "{\"type\":\"CTC\",\"pad_token\":\"<pad>\",\"word_delimiter_token\":\"|\",\"cleanup\":true}", "[]");
        // repeats collapse, pads vanish, "|" is a space: h h <pad> e l l <pad> l o | | w o
        assertThat(String.join("", ctc.decoder.decode(List.of("<pad>", "h", "h", "<pad>", "e", "l", "l", "<pad>", "l", "o", "|", "|", "w", "o"))))
                .isEqualTo("hello wo");
        HFTokenizer bpe = tok("null", "null", wl("\"?\":0"), "null", "{\"type\":\"BPEDecoder\",\"suffix\":\"</w>\"}", "[]");
        assertThat(String.join("", bpe.decoder.decode(List.of("hel", "lo</w>", "wor", "ld</w>")))).isEqualTo("hello world");
        HFTokenizer wp = tok("null", "null", wl("\"?\":0"), "null", "{\"type\":\"WordPiece\",\"prefix\":\"##\",\"cleanup\":true}", "[]");
        assertThat(String.join("", wp.decoder.decode(List.of("hel", "##lo", "wor", "##ld", ",", "do", "n't")))).isEqualTo("hello world, don't");
        HFTokenizer seq = tok("null", "null", wl("\"?\":0"), "null", "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\u2581\"},"
                + "\"content\":\" \"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]}", "[]");
        assertThat(String.join("", seq.decoder.decode(List.of("\u2581hel", "lo", "\u2581you")))).isEqualTo("hello you");
    }

    @Test
    void punctuationCharDelimiterAndUnicodeScripts() {
        String vocab = wl("\"?\":0,\"hi\":1,\"!\":2,\".\":3,\"there\":4,\"a\":5,\"b\":6,\"c\":7,\"abc\":8,\"\u0434\u0435\u0436\":9,\"12\":10,\"\u3042\":11");
        assertThat(tok("null", "{\"type\":\"Punctuation\",\"behavior\":\"Isolated\"}", vocab, "null", "null", "[]").encode("hi!.there", false, true))
                .containsExactly(1, 2, 3, 4);
        Encoding d = tok("null", "{\"type\":\"CharDelimiterSplit\",\"delimiter\":\"-\"}", vocab, "null", "null", "[]").encoding("a-b--c", false);
        assertThat(d.ids()).containsExactly(5, 6, 7);
        assertThat(offsets(d)).isDeepEqualTo(new int[][] {{0, 1}, {2, 3}, {5, 6}});
        // script changes split: Latin | Cyrillic | digits (Common) | Hiragana
        assertThat(tok("null", "{\"type\":\"UnicodeScripts\"}", vocab, "null", "null", "[]").encode("abc\u0434\u0435\u043612\u3042", false, true))
                .containsExactly(8, 9, 10, 11);
    }
}
