package io.tessera.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The algorithms on small hand-made vocabularies, expectations derived by hand from the rules. */
class TokenizerAlgorithmsTest {

    static List<String> chars(String s) {
        List<String> out = new ArrayList<>();
        s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    @Test
    void bpeMergesByRankLeftmostFirst() {
        BpeMerger m = BpeMerger.fromMerges(new String[] {"a b", "b c", "ab c", "c c"});
        assertThat(m.rank("a", "b")).isZero();
        assertThat(m.rank("x", "y")).isEqualTo(-1);
        // "abc": a+b (rank 0) before b+c (rank 1), then ab+c (rank 2)
        assertThat(m.merge(chars("abc"))).containsExactly("abc");
        // "bcc": b+c (1) before c+c (3); then "bc" "c" has no rule
        assertThat(m.merge(chars("bcc"))).containsExactly("bc", "c");
        // "cccc": equal ranks merge leftmost first: (cc)(cc)
        assertThat(m.merge(chars("cccc"))).containsExactly("cc", "cc");
        assertThat(m.merge(chars("ccc"))).containsExactly("cc", "c");
        assertThat(m.merge(List.of())).isEmpty();
        // a rule may start with a space: split at the first space after the first character
        BpeMerger sp = BpeMerger.fromMerges(new String[] {"  x"});
        assertThat(sp.rank(" ", "x")).isZero();
    }

    @Test
    void bpeMergeIsFastOnLongInput() {
        BpeMerger m = BpeMerger.fromMerges(new String[] {"a a", "aa aa", "aaaa aaaa"});
        long t0 = System.nanoTime();
        List<String> out = m.merge(chars("a".repeat(100_000)));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000); // guards against quadratic time only
        assertThat(out).hasSize(12_500).allMatch(s -> s.equals("aaaaaaaa"));
    }

    @Test
    void gpt2SplitterFollowsTheRegex() {
        RegexSplitter s = new RegexSplitter(List.of(RegexSplitter.GPT2));
        assertThat(s.split("Hello world's  test")).containsExactly("Hello", " world", "'s", " ", " test");
        assertThat(s.split("a   \n b")).containsExactly("a", "   \n", " b"); // \s+(?!\S) backs off one
        assertThat(s.split("x=1234 üñï!?")).containsExactly("x", "=", "1234", " üñï", "!?");
        assertThat(s.split("   ")).containsExactly("   ");
        assertThat(s.split("I'LL")).containsExactly("I", "'", "LL"); // contractions are case sensitive here
        assertThat(String.join("", s.split("mixed 日本語 text\u00A0with\u3000spaces"))).isEqualTo("mixed 日本語 text\u00A0with\u3000spaces");
    }

    @Test
    void llama3SplitterFollowsTheRegex() {
        RegexSplitter s = new RegexSplitter(List.of(RegexSplitter.LLAMA3));
        assertThat(s.split("I'LL pay 1234567 now!\n\n  ok")).containsExactly("I", "'LL", " pay", " ", "123", "456", "7",
                " now", "!\n\n", " ", " ok");
        assertThat(s.split("$hello")).containsExactly("$hello");
    }

    @Test
    void genericRegexUsesCollapsedCategories() {
        // starcoder-style: single digits first, then the GPT-2 rules
        RegexSplitter s = new RegexSplitter(PreTokenizer.STARCODER.regexes());
        assertThat(s.split("ab 123")).containsExactly("ab", " ", "1", "2", "3");
        // \p{N} also matches non-ASCII numbers, \s+$ is end of input only
        RegexSplitter t = new RegexSplitter(List.of("\\p{N}+", "\\s+$"));
        assertThat(t.split("x١٢٣y  z  ")).containsExactly("x", "١٢٣", "y  z", "  ");
        assertThat(RegexSplitter.translate("[\\p{L}\\p{N}]+|\\p{P}", true))
                .isEqualTo("[\u00D2A-Za-z\u00D10-9]+|[\u00D3!-#%-*,-/:-;?-@\\[-\\]_\\{\\}]");
    }

    @Test
    void byteLevelMappingIsGpt2s() {
        assertThat(ByteLevel.encode(" a\n")).isEqualTo("ĠaĊ");
        for (int b = 0; b < 256; b++) assertThat(ByteLevel.charToByte(ByteLevel.byteToChar(b))).isEqualTo(b);
        assertThat(ByteLevel.encode("é")).isEqualTo("Ã©");
    }

    @Test
    void spmMergesHighestScoreFirstWithByteFallback() {
        String[] tokens = new String[3 + 256 + 4];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        for (int b = 0; b < 256; b++) tokens[3 + b] = String.format("<0x%02X>", b);
        tokens[259] = "▁";
        tokens[260] = "a";
        tokens[261] = "▁a";
        tokens[262] = "aa";
        float[] scores = new float[tokens.length];
        scores[261] = -1f;
        scores[262] = -2f;
        int[] attrs = new int[tokens.length];
        Arrays.fill(attrs, TokenAttr.NORMAL);
        attrs[0] = TokenAttr.UNKNOWN;
        attrs[1] = attrs[2] = TokenAttr.CONTROL;
        for (int b = 0; b < 256; b++) attrs[3 + b] = TokenAttr.BYTE;
        LlamaTokenizer tok = LlamaTokenizer.builder(LlamaTokenizer.Type.SPM, tokens).scores(scores).attrs(attrs)
                .bos(1).eos(2).unk(0).eog(2).addBos(true).addSpacePrefix(true).build();
        // " aa" -> ▁ a a: "▁a" (score -1) beats "aa" (-2), leaving "a"
        assertThat(tok.encode("aa", true, false)).containsExactly(1, 261, 260);
        // "é" has no token: its two UTF-8 bytes
        assertThat(tok.encode("é", false, false)).containsExactly(259, 3 + 0xC3, 3 + 0xA9);
        assertThat(tok.decode(tok.encode("é a", false, false))).isEqualTo("é a");
        assertThat(tok.encode("a</s>", false, true)).containsExactly(261, 2);
        assertThat(tok.decode(new int[] {261, 2, 261}, true)).isEqualTo("a</s> a");
        assertThat(tok.tokenBytes(3 + 0xC3)).containsExactly((byte) 0xC3);
        assertThat(tok.isEog(2)).isTrue();
    }

    @Test
    void wordPieceLongestMatchAndUnknownWords() {
        String[] tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "▁hello", "▁world", "ing", "▁play", "▁!", "▁cafe"};
        int[] attrs = new int[tokens.length];
        Arrays.fill(attrs, TokenAttr.NORMAL);
        for (int i = 0; i < 4; i++) attrs[i] = TokenAttr.CONTROL;
        LlamaTokenizer tok = LlamaTokenizer.builder(LlamaTokenizer.Type.WPM, tokens).attrs(attrs)
                .bos(2).sep(3).unk(1).cleanSpaces(true).addBos(true).build();
        assertThat(tok.encode("Hello, WORLD!", true, false)).containsExactly(2, 4, 1, 5, 8, 3);
        assertThat(tok.encode("playing café", false, false)).containsExactly(7, 6, 9);
        assertThat(tok.encode("plays", false, false)).containsExactly(1);
        assertThat(tok.decode(new int[] {4, 8})).isEqualTo(" hello!");
    }

    @Test
    void spaceCleanupAsLlamaCpp() {
        assertThat(clean("Hello , world ! How are you ?")).isEqualTo("Hello, world! How are you?");
        assertThat(clean("it ' s")).isEqualTo("it's");
        assertThat(clean("he 's here , you 're , we 've , I 'm , don 't , I 'll")).isEqualTo("he's here, you're, we've, I'm, don 't, I 'll");
        assertThat(clean(" .")).isEqualTo(".");
        assertThat(clean("")).isEmpty();
    }

    static String clean(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return new String(b, 0, SpaceCleaner.clean(b, b.length), StandardCharsets.UTF_8);
    }

    @Test
    void streamingNeverSplitsCharactersAndMatchesWholeDecode() {
        Random rnd = new Random(7);
        String text = "naïve café — 日本語 🦙🚀 ok , so ' it 's fine ? yes . end";
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        for (boolean clean : new boolean[] {false, true}) {
            for (int round = 0; round < 300; round++) {
                // random cut of the bytes into "tokens"
                List<byte[]> pieces = new ArrayList<>();
                for (int i = 0; i < all.length; ) {
                    int n = Math.min(all.length - i, 1 + rnd.nextInt(4));
                    pieces.add(Arrays.copyOfRange(all, i, i + n));
                    i += n;
                }
                StreamingDetokenizer s = new StreamingDetokenizer(pieces::get, false, clean);
                StringBuilder sb = new StringBuilder();
                for (int id = 0; id < pieces.size(); id++) {
                    String part = s.feed(id);
                    assertThat(part).doesNotContain("\uFFFD");
                    if (!part.isEmpty()) assertThat(Character.isHighSurrogate(part.charAt(part.length() - 1))).isFalse();
                    sb.append(part);
                }
                sb.append(s.flush());
                String expected = clean ? clean(text) : text;
                assertThat(sb.toString()).isEqualTo(expected);
            }
        }
    }

    @Test
    void streamingInvalidBytesBecomeReplacementCharactersLikeDecode() {
        byte[][] pieces = {{'a'}, {(byte) 0xF0, (byte) 0x9F}, {'b'}, {(byte) 0x80}, {(byte) 0xE6, (byte) 0x97}};
        StreamingDetokenizer s = new StreamingDetokenizer(i -> pieces[i], false, false);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pieces.length; i++) sb.append(s.feed(i));
        sb.append(s.flush());
        byte[] all = {'a', (byte) 0xF0, (byte) 0x9F, 'b', (byte) 0x80, (byte) 0xE6, (byte) 0x97};
        assertThat(sb.toString()).isEqualTo(new String(all, StandardCharsets.UTF_8));
    }

    @Test
    void unicodeFlagsAndSurrogates() {
        assertThat(Unicode.flags('a') & Unicode.LETTER).isNotZero();
        assertThat(Unicode.flags('٣') & Unicode.NUMBER).isNotZero();
        assertThat(Unicode.flags(0x3000) & Unicode.WHITESPACE).isNotZero();
        assertThat(Unicode.flags(0x200B) & Unicode.WHITESPACE).isZero();
        assertThat(Unicode.flags(-1)).isZero();
        assertThat(Unicode.codePoints("a\uD800b\uD83E\uDD99")).containsExactly('a', 0xFFFD, 'b', 0x1F999);
        assertThat(Utf8.encode("\uDC00")).containsExactly((byte) 0xEF, (byte) 0xBF, (byte) 0xBD);
    }
}
