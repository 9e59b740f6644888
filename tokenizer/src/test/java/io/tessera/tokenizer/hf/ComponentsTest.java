package io.tessera.tokenizer.hf;

import io.tessera.TesseraException;
import io.tessera.tokenizer.Encoding;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Components on tiny hand-written tokenizer.json files, expectations worked out by hand. */
class ComponentsTest {

    static HFTokenizer tok(String normalizer, String pre, String model, String post, String decoder, String added) {
        return HFTokenizer.fromJson("{\"added_tokens\": " + added + ", \"normalizer\": " + normalizer + ", \"pre_tokenizer\": " + pre
                + ", \"model\": " + model + ", \"post_processor\": " + post + ", \"decoder\": " + decoder + "}");
    }

    static final String WL = "{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"hello\":1,\"world\":2,\"!\":3,\"[CLS]\":4,\"[SEP]\":5,\"1\":6,\"2\":7,\"12\":8},\"unk_token\":\"[UNK]\"}";

    @Test
    void wordLevelWithWhitespaceAndBertTemplate() {
        HFTokenizer t = tok("{\"type\":\"Lowercase\"}", "{\"type\":\"Whitespace\"}", WL,
                "{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",5],\"cls\":[\"[CLS]\",4]}", "null", "[]");
        assertThat(t.encode("Hello  WORLD!", false, true)).containsExactly(1, 2, 3);
        Encoding e = t.encoding("Hello world", "foo", true);
        assertThat(e.ids()).containsExactly(4, 1, 2, 5, 0, 5);
        assertThat(e.typeIds()).containsExactly(0, 0, 0, 0, 1, 1);
        assertThat(e.specialTokensMask()).containsExactly(1, 0, 0, 1, 0, 1);
        assertThat(e.offsets(2)).containsExactly(6, 11);
    }

    @Test
    void digitsSplitIndividuallyOrContiguously() {
        String pre = "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"WhitespaceSplit\"},{\"type\":\"Digits\",\"individual_digits\":%s}]}";
        assertThat(tok("null", pre.formatted("true"), WL, "null", "null", "[]").encode("12", false, true)).containsExactly(6, 7);
        assertThat(tok("null", pre.formatted("false"), WL, "null", "null", "[]").encode("12", false, true)).containsExactly(8);
    }

    @Test
    void unigramViterbiPicksTheBestScoringPath() {
        String model = "{\"type\":\"Unigram\",\"unk_id\":0,\"vocab\":[[\"<unk>\",0],[\"a\",-1],[\"b\",-1],[\"ab\",-1.5],[\"abc\",-5],[\"c\",-2]]}";
        HFTokenizer t = tok("null", "null", model, "null", "null", "[]");
        // "abc": ab+c = -3.5 beats abc = -5 and a+b+c = -4
        assertThat(t.encode("abc", false, true)).containsExactly(3, 5);
        // unknown characters fuse into one <unk>
        assertThat(t.encode("xxa", false, true)).containsExactly(0, 1);
    }

    @Test
    void metaspaceFirstPrependsOnlyAtTheStartAndDecodes() {
        String model = "{\"type\":\"WordLevel\",\"vocab\":{\"<unk>\":0,\"\u2581a\":1,\"\u2581b\":2,\"b\":3,\"<x>\":4},\"unk_token\":\"<unk>\"}";
        HFTokenizer t = tok("null", "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"first\",\"split\":true}", model, "null",
                "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"first\"}",
                "[{\"id\":4,\"content\":\"<x>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}]");
        assertThat(t.encode("a b", false, true)).containsExactly(1, 2);
        assertThat(t.encode("a<x>b", false, true)).containsExactly(1, 4, 3); // not first after a special token
        assertThat(t.decode(new int[] {1, 2})).isEqualTo("a b");
    }

    @Test
    void bpeWithSuffixAndPrefixAndDecoders() {
        String model = "{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b</w>\":1,\"ab</w>\":2,\"c\":3},\"merges\":[\"a b</w>\"],\"end_of_word_suffix\":\"</w>\"}";
        HFTokenizer t = tok("null", "{\"type\":\"WhitespaceSplit\"}", model, "null", "{\"type\":\"BPEDecoder\",\"suffix\":\"</w>\"}", "[]");
        assertThat(t.encode("ab ab", false, true)).containsExactly(2, 2);
        assertThat(t.decode(new int[] {2, 2})).isEqualTo("ab ab");
    }

    @Test
    void byteFallbackAndFuseDecoding() {
        List<String> out = Decoders.byteFallback(List.of("<0xE2>", "<0x82>", "<0xAC>", "x", "<0xFF>"));
        assertThat(out).containsExactly("\u20AC", "x", "\uFFFD");
        assertThat(Decoders.strip("  ab ", ' ', 1, 1)).isEqualTo(" ab");
        assertThat(Decoders.cleanup("a , b . c n't")).isEqualTo("a, b. cn't");
    }

    @Test
    void splitBehaviours() {
        String pre = "{\"type\":\"Split\",\"pattern\":{\"String\":\"-\"},\"behavior\":\"%s\",\"invert\":false}";
        String model = "{\"type\":\"WordLevel\",\"vocab\":{\"?\":0,\"a\":1,\"-\":2,\"a-\":3,\"-a\":4,\"--\":5},\"unk_token\":\"?\"}";
        assertThat(tok("null", pre.formatted("Removed"), model, "null", "null", "[]").encode("a-a", false, true)).containsExactly(1, 1);
        assertThat(tok("null", pre.formatted("Isolated"), model, "null", "null", "[]").encode("a-a", false, true)).containsExactly(1, 2, 1);
        assertThat(tok("null", pre.formatted("MergedWithPrevious"), model, "null", "null", "[]").encode("a-a", false, true)).containsExactly(3, 1);
        assertThat(tok("null", pre.formatted("MergedWithNext"), model, "null", "null", "[]").encode("a-a", false, true)).containsExactly(1, 4);
        assertThat(tok("null", pre.formatted("Contiguous"), model, "null", "null", "[]").encode("a--a", false, true)).containsExactly(1, 5, 1);
    }

    @Test
    void truncationAndPadding() {
        HFTokenizer t = tok("null", "{\"type\":\"Whitespace\"}", WL, "{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",5],\"cls\":[\"[CLS]\",4]}", "null", "[]")
                .withTruncation(new HFTokenizer.Truncation(4, 0, "LongestFirst", false))
                .withPadding(new HFTokenizer.Padding(6, 0, 9, 0, "[PAD]", false));
        Encoding e = t.encoding("hello world hello world", true);
        assertThat(e.ids()).containsExactly(4, 1, 2, 5, 9, 9);
        assertThat(e.attentionMask()).containsExactly(1, 1, 1, 1, 0, 0);
        assertThat(e.overflowing()).hasSize(1);
    }

    @Test
    void unsupportedComponentNamesTheJsonPath() {
        assertThatThrownBy(() -> tok("{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"Bogus\"}]}", "null", WL, "null", "null", "[]"))
                .isInstanceOf(TesseraException.class).hasMessage("normalizer.normalizers[1].type: unsupported \"Bogus\"");
        assertThatThrownBy(() -> tok("null", "null", "{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[\"a b\"]}", "null", "null", "[]"))
                .hasMessage("model.merges[0]: token \"b\" is not in the vocabulary");
        assertThatThrownBy(() -> HFTokenizer.fromJson("{\"model\": 3")).isInstanceOf(TesseraException.class).hasMessageStartingWith("malformed JSON");
    }
}
