package io.tessera.tokenizer.hf;

import io.tessera.tokenizer.Encoding;
import io.tessera.tokenizer.Tiktoken;
import io.tessera.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One test per trap listed in ../shared/tokenizers/README.md, plus hostile input. */
class TrapsTest {

    @Test
    void whitespaceIsUnicodeWhiteSpaceWithNelButNotBom() {
        HfPattern p = HfPattern.regex(Scanners.CL100K, "t");
        assertThat(FastPathTest.pieces(p, "x\u0085\u0085y")).containsExactly("x", "\u0085", "\u0085y");
        assertThat(FastPathTest.pieces(p, "x \uFEFFy")).containsExactly("x", " \uFEFF", "y");
        // the Java regex flavour agrees once UNICODE_CHARACTER_CLASS is on
        HfPattern generic = HfPattern.regex("\\s+", "t");
        assertThat(FastPathTest.pieces(generic, "a\u0085\u00A0\u3000b\uFEFFc")).containsExactly("\u0085\u00A0\u3000");
    }

    @Test
    void bertLowercasesPerCodePointWithoutFinalSigma() {
        NormalizedString s = Normalizers.lowercase(NormalizedString.of("ΣΊΣΥΦΟΣ", 0));
        assertThat(s.text()).isEqualTo("σίσυφοσ");
        assertThat("ΣΊΣΥΦΟΣ".toLowerCase(java.util.Locale.ROOT)).endsWith("ς"); // what Java's String would do
    }

    @Test
    void bertSplitsIdeographsOutsideTheBmpOneByOne() {
        HFTokenizer bert = ReferenceIdsTest.hf("bert-minilm").withTruncation(null).withPadding(null);
        Encoding e = bert.encoding("\uD84C\uDF8F\uD84C\uDF8F\u4E00\u4E01", false);
        assertThat(e.size()).isEqualTo(4);
        assertThat(e.offsets(1)).containsExactly(2, 4);
    }

    @Test
    void specialTokenTextIsSplitOutByJsonAndPlainForTiktokenOrdinary() {
        HFTokenizer gpt4o = ReferenceIdsTest.hf("gpt4o");
        Tiktoken o200k = Tiktoken.load(SharedData.shared("tokenizers/tiktoken-o200k_base/o200k_base.tiktoken"));
        String s = "text<|endoftext|>text";
        assertThat(gpt4o.encode(s, false, true)).contains(199999);
        assertThat(gpt4o.encode(s, false, false)).doesNotContain(199999);
        assertThat(o200k.encodeOrdinary(s)).doesNotContain(199999);
        assertThat(o200k.encode(s, false, true)).contains(199999);
        assertThat(o200k.decode(o200k.encodeOrdinary(s))).isEqualTo(s);
    }

    @Test
    void longPiecesStayLinear() {
        HFTokenizer llama2 = ReferenceIdsTest.hf("llama2");
        Tiktoken cl = Tiktoken.load(SharedData.shared("tokenizers/tiktoken-cl100k_base/cl100k_base.tiktoken"));
        String word = "abcdefghij".repeat(2_000);            // a 20,000-letter word
        String noSpace = "xyzw".repeat(250_000);             // 1 MB without a space
        for (Tokenizer t : List.<Tokenizer>of(llama2, cl)) {
            long t0 = System.nanoTime();
            assertThat(t.decode(t.encode(word, false, true))).isEqualTo(word);
            assertThat(t.decode(t.encode(noSpace, false, true))).isEqualTo(noSpace);
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5.0);
        }
    }

    @Test
    void linesSplitOnNewlineOnly() {
        assertThat(SharedData.lines("a\rb\nc\r\n\nd".getBytes(StandardCharsets.UTF_8))).containsExactly("a\rb", "c\r", "", "d");
    }

    @Test
    void leadingBomSurvivesDecodingAndEmptyDecodesToEmpty() {
        for (Tokenizer t : List.<Tokenizer>of(ReferenceIdsTest.hf("llama3"), ReferenceIdsTest.hf("llama2"),
                Tiktoken.load(SharedData.shared("tokenizers/tiktoken-cl100k_base/cl100k_base.tiktoken")))) {
            String s = "\uFEFFhello \uFEFF world";
            assertThat(t.decode(t.encode(s, false, true))).isEqualTo(s);
            assertThat(t.decode(new int[0])).isEmpty();
        }
    }

    @Test
    void noInputCrashesAnEncoder() {
        StringBuilder planes = new StringBuilder();
        for (int plane = 0; plane <= 16; plane++) {
            for (int k = 0; k < 64; k++) planes.appendCodePoint(plane * 0x10000 + 0x20 + k * 997 % 0xFFD0);
        }
        List<String> hostile = List.of("", "\u0000", "a\u0000b", "\uD800", "x\uDC00y", "\uDBFF\uDBFF", "\uDC00\uD800",
                planes.toString(), " ".repeat(10_000), "\n".repeat(5_000), "\u0301".repeat(3_000), "<|endoftext|>".repeat(100),
                "[CLS][SEP][UNK]", "\u2581".repeat(2_000));
        for (Tokenizer t : List.<Tokenizer>of(ReferenceIdsTest.hf("llama3"), ReferenceIdsTest.hf("llama2"), ReferenceIdsTest.hf("bert-minilm"),
                Tiktoken.load(SharedData.shared("tokenizers/tiktoken-cl100k_base/cl100k_base.tiktoken")))) {
            for (String s : hostile) {
                int[] ids = t.encode(s, true, true);
                for (int id : ids) assertThat(id).isBetween(0, t.vocabSize() - 1);
                t.decode(ids);
                if (t instanceof HFTokenizer h) h.encoding(s, true);
            }
        }
    }
}
