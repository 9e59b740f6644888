package io.tessera.model;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFValue;
import io.tessera.model.gguf.GGUFWriter;
import io.tessera.tokenizer.LlamaTokenizer;
import io.tessera.tokenizer.StreamingDetokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GGUFTokenizerTest {

    private static final java.util.Map<String, LlamaTokenizer> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    static LlamaTokenizer load(String relative) {
        Path p = SharedData.require(relative);
        return CACHE.computeIfAbsent(relative, k -> {
            try (GGUFFile g = GGUFFile.open(p)) {
                return GGUFTokenizer.load(g);
            }
        });
    }

    static LlamaTokenizer vocab(String name) {
        return load("models/vocab/ggml-vocab-" + name + ".gguf");
    }

    // ------------------------------------------------------------ llama.cpp reference runs

    record Reference(String model, String prompt, int[] promptTokens, int[] greedy, List<byte[]> pieces) {}

    static List<Reference> references() throws IOException {
        Path dir = SharedData.require("models/reference");
        List<Reference> refs = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                String json = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1); // byte-preserving
                String name = f.getFileName().toString();
                String model = name.substring(0, name.indexOf(".p"));
                String prompt = new String(unescape(field(json, "\"prompt\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")), StandardCharsets.UTF_8);
                int[] tokens = ints(field(json, "\"prompt_tokens\":\\s*\\[([^\\]]*)\\]"));
                int[] greedy = ints(field(json, "\"greedy_tokens\":\\s*\\[([^\\]]*)\\]"));
                List<byte[]> pieces = new ArrayList<>();
                Matcher m = Pattern.compile("\"piece\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
                m.region(json.indexOf("\"steps\""), json.length());
                while (m.find()) pieces.add(unescape(m.group(1)));
                refs.add(new Reference(model, prompt, tokens, greedy, pieces));
            }
        }
        assertThat(refs).isNotEmpty();
        return refs;
    }

    static String field(String json, String regex) {
        Matcher m = Pattern.compile(regex).matcher(json);
        assertThat(m.find()).as(regex).isTrue();
        return m.group(1);
    }

    static int[] ints(String list) {
        return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    /** JSON string body (as ISO-8859-1 chars = raw bytes) to bytes. */
    static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.write(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case 'r' -> out.write('\r');
                case 'b' -> out.write('\b');
                case 'f' -> out.write('\f');
                case 'u' -> {
                    int cp = Integer.parseInt(s.substring(i + 1, i + 5), 16);
                    i += 4;
                    if (Character.isHighSurrogate((char) cp) && s.startsWith("\\u", i + 1)) {
                        int lo = Integer.parseInt(s.substring(i + 3, i + 7), 16);
                        cp = Character.toCodePoint((char) cp, (char) lo);
                        i += 6;
                    }
                    out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                }
                default -> out.write(e);
            }
        }
        return out.toByteArray();
    }

    @Test
    void referencePromptsTokenizeAsLlamaCpp() throws IOException {
        for (Reference r : references()) {
            LlamaTokenizer tok = load("models/" + r.model() + ".gguf");
            assertThat(tok.encode(r.prompt(), true, false)).as(r.model() + ": " + r.prompt()).containsExactly(r.promptTokens());
            assertThat(tok.encode(r.prompt())).containsExactly(r.promptTokens());
        }
    }

    @Test
    void referencePiecesAreTokenBytes() throws IOException {
        for (Reference r : references()) {
            LlamaTokenizer tok = load("models/" + r.model() + ".gguf");
            assertThat(r.pieces()).hasSize(r.greedy().length);
            for (int i = 0; i < r.greedy().length; i++) {
                assertThat(tok.tokenBytes(r.greedy()[i])).as(r.model() + " step " + i).isEqualTo(r.pieces().get(i));
            }
        }
    }

    @Test
    void streamingEqualsDecodeOnReferenceRuns() throws IOException {
        for (Reference r : references()) {
            LlamaTokenizer tok = load("models/" + r.model() + ".gguf");
            int[] all = concat(r.promptTokens(), r.greedy());
            assertThat(stream(tok, all, false)).isEqualTo(tok.decode(all));
            assertThat(stream(tok, r.greedy(), false)).isEqualTo(tok.decode(r.greedy()));
            // BOS prints nothing; the prompt comes back (the SPM prefix space stays after a BOS, as in llama.cpp)
            assertThat(tok.decode(r.promptTokens())).isEqualTo(" " + r.prompt());
            assertThat(tok.decode(Arrays.copyOfRange(r.promptTokens(), 1, r.promptTokens().length))).isEqualTo(r.prompt());
            assertThat(tok.decode(r.promptTokens(), true)).isEqualTo("<s> " + r.prompt());
        }
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static String stream(LlamaTokenizer tok, int[] ids, boolean special) {
        StreamingDetokenizer s = tok.streamingDetokenizer(special);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String part = s.feed(id);
            sb.append(part);
        }
        return sb.append(s.flush()).toString();
    }

    // ------------------------------------------------------------ streaming on partial UTF-8

    @Test
    void streamingHoldsBackPartialCharacters() {
        LlamaTokenizer tok = vocab("llama-spm");
        String text = "llama 🦙 emoji 🚀🌫 and 𝄞 mixed ħ";
        int[] ids = tok.encode(text, false, false);
        // the llama emoji has no token: it must come out as four byte tokens
        int f0 = tok.tokenId("<0xF0>");
        assertThat(ids).contains(f0);
        StreamingDetokenizer s = tok.streamingDetokenizer(false);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String part = s.feed(id);
            assertThat(part).doesNotContain("\uFFFD");
            for (int i = 0; i < part.length(); i++) {
                if (Character.isHighSurrogate(part.charAt(i))) assertThat(i + 1).isLessThan(part.length());
            }
            sb.append(part);
        }
        sb.append(s.flush());
        assertThat(sb.toString()).isEqualTo(tok.decode(ids)).isEqualTo(text);
        // the first three bytes of the emoji produce nothing, the fourth the whole character
        StreamingDetokenizer s2 = tok.streamingDetokenizer(false);
        assertThat(s2.feed(f0)).isEmpty();
        assertThat(s2.feed(tok.tokenId("<0x9F>"))).isEmpty();
        assertThat(s2.feed(tok.tokenId("<0xA6>"))).isEmpty();
        assertThat(s2.feed(tok.tokenId("<0x99>"))).isEqualTo("🦙");
        assertThat(s2.feed(f0)).isEmpty();
        assertThat(s2.flush()).isEqualTo("\uFFFD");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt-2", "falcon", "deepseek-llm", "llama-spm", "bert-bge"})
    void streamingEqualsDecodeForRandomIds(String name) {
        LlamaTokenizer tok = vocab(name);
        Random rnd = new Random(42);
        int[] punct = Stream.of(" ", "?", "!", ".", ",", "'", "s", "re", "ve", "m", "t", "d", " '", "Ġ", "Ġ'", "'s", "Ġ?", "▁", "▁'")
                .mapToInt(tok::tokenId).filter(i -> i >= 0).toArray();
        for (int round = 0; round < 200; round++) {
            int[] ids = new int[1 + rnd.nextInt(30)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rnd.nextInt(3) == 0 && punct.length > 0 ? punct[rnd.nextInt(punct.length)] : rnd.nextInt(tok.vocabSize());
            }
            for (boolean special : new boolean[] {false, true}) {
                assertThat(stream(tok, ids, special)).as(name + " " + Arrays.toString(ids)).isEqualTo(tok.decode(ids, special));
            }
        }
    }

    // ------------------------------------------------------------ vocabularies without test sets, round trips

    @ParameterizedTest
    @ValueSource(strings = {"baichuan", "gpt-neox", "llama-spm", "phi-3", "deepseek-llm", "deepseek-coder"})
    void roundTrips(String name) {
        LlamaTokenizer tok = vocab(name);
        for (String text : List.of("Hello world", "  leading spaces and trailing  ", "line\nbreaks\r\n\tand tabs",
                "Ünïcödé — 日本語のテキスト, 한국어, русский", "emoji 🦙🚀 and symbols ∑∞ $100.00", "x")) {
            int[] ids = tok.encode(text, false, false);
            assertThat(ids).isNotEmpty();
            assertThat(tok.decode(ids)).as(name + ": " + text).isEqualTo(text);
        }
    }

    @Test
    void gptNeoxUsesDefaultPreTokenizerAndUserDefinedSpaceTokens() {
        LlamaTokenizer tok = vocab("gpt-neox");
        assertThat(tok.type()).isEqualTo(LlamaTokenizer.Type.BPE);
        assertThat(tok.vocabSize()).isEqualTo(50432);
        // runs of spaces are user-defined tokens, split out before BPE even without parse_special
        int[] ids = tok.encode("a    b", false, false);
        assertThat(Arrays.stream(ids).mapToObj(tok::piece).toList()).contains("    ");
    }

    // ------------------------------------------------------------ special tokens

    @Test
    void controlTokensAreParsedOnlyWhenAsked() {
        LlamaTokenizer tok = vocab("llama-spm");
        assertThat(tok.bos()).isEqualTo(1);
        assertThat(tok.eos()).isEqualTo(2);
        int[] parsed = tok.encode("Hi</s>", false, true);
        assertThat(parsed[parsed.length - 1]).isEqualTo(2);
        int[] plain = tok.encode("Hi</s>", false, false);
        assertThat(plain).doesNotContain(2);
        assertThat(tok.decode(plain)).isEqualTo("Hi</s>");
        assertThat(tok.decode(parsed)).isEqualTo("Hi");
        assertThat(tok.decode(parsed, true)).isEqualTo("Hi</s>");
        assertThat(tok.encode("", true, false)).containsExactly(1);
        assertThat(tok.encode("", false, false)).isEmpty();
        assertThat(tok.isEog(2)).isTrue();
        assertThat(tok.isEog(1)).isFalse();
    }

    @Test
    void endOfGenerationTokens() {
        LlamaTokenizer phi3 = vocab("phi-3");
        assertThat(phi3.eos()).isEqualTo(32000);
        assertThat(phi3.isEog(32000)).isTrue();
        assertThat(phi3.isEog(phi3.tokenId("<|end|>"))).isTrue();
        assertThat(phi3.isEog(phi3.tokenId("<|user|>"))).isFalse();
        // phi-3 control tokens swallow the whitespace after them (llama.cpp's rstrip for Phi-3)
        assertThat(phi3.encode("<|user|>\nHi", false, true)).startsWith(phi3.tokenId("<|user|>"))
                .isEqualTo(concat(new int[] {phi3.tokenId("<|user|>")}, phi3.encode("Hi", false, false)));
        LlamaTokenizer gpt2 = vocab("gpt-2");
        assertThat(gpt2.bos()).isEqualTo(50256);
        assertThat(gpt2.isEog(50256)).isTrue();
        assertThat(gpt2.encode("Hello", true, false)).containsExactly(gpt2.encode("Hello", false, false)); // no add_bos
        LlamaTokenizer coder = vocab("deepseek-coder");
        assertThat(coder.encode("x", true, false)[0]).isEqualTo(32013);
        assertThat(coder.isEog(32014)).isTrue();
        LlamaTokenizer bert = vocab("bert-bge");
        int[] ids = bert.encode("hello", true, false);
        assertThat(ids[0]).isEqualTo(101);
        assertThat(ids[ids.length - 1]).isEqualTo(102);
    }

    // ------------------------------------------------------------ hostile input

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "falcon", "deepseek-llm", "deepseek-coder", "bert-bge", "mpt"})
    void oddInputNeverCrashes(String name) {
        LlamaTokenizer tok = vocab(name);
        for (String s : List.of("\uD800", "a\uDC00b", "\uDBFF\uDFFF", "\u0000", "nul\u0000in\u0000text", "\uFFFD\uFFFE\uFFFF",
                "\u0085\u00A0\u2028\u3000", "\u200B\u200D\u202E", "'''''", "'S 'LL", "\r\r\n\n", "<s><|endoftext|>",
                "\uD83E\uDD99\uD83E", "\u0301\u0301a\u0301")) {
            int[] ids = tok.encode(s, true, true);
            for (int id : ids) assertThat(id).isBetween(0, tok.vocabSize() - 1);
            tok.decode(ids, true);
            tok.decode(tok.encode(s, false, false));
        }
    }

    /**
     * 100 KB lines without spaces (and other degenerate lines) must not go quadratic: a quadratic merge loop
     * takes minutes on these, a linear one milliseconds. The bound is loose on purpose (a busy 2-core CI
     * machine); speed itself is measured by the benchmarks, not here.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "deepseek-llm", "bert-bge"})
    void longLinesAreFast(String name) {
        LlamaTokenizer tok = vocab(name);
        String[] longLines = {
                "a".repeat(100_000),
                "\uD83E\uDD99".repeat(25_000),
                "1234567890".repeat(10_000),
                "\u65E5\u672C\u8A9E".repeat(11_000),
                "x.y,z!".repeat(17_000),
                " ".repeat(100_000) + "x",
                "\n".repeat(50_000) + "x",
        };
        tok.encode("warm up " + "a".repeat(20_000) + " ".repeat(20_000) + "x", false, false);
        for (String line : longLines) {
            long t0 = System.nanoTime();
            int[] ids = tok.encode(line, false, false);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ids).isNotEmpty();
            assertThat(ms).as(name + ": " + line.length() + " chars of '" + line.substring(0, 2) + "' took " + ms + " ms").isLessThan(10_000);
        }
    }

    // ------------------------------------------------------------ malformed metadata

    @Test
    void missingOrMalformedTokenizerMetadataIsReported(@TempDir Path dir) {
        Path noModel = write(dir, "no-model.gguf", w -> w.put("tokenizer.ggml.tokens", GGUFValue.of(new String[] {"a", "b"})));
        assertError(noModel, "tokenizer.ggml.model");

        Path noTokens = write(dir, "no-tokens.gguf", w -> w.put("tokenizer.ggml.model", "llama"));
        assertError(noTokens, "tokenizer.ggml.tokens");

        Path badTokens = write(dir, "bad-tokens.gguf", w -> w.put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", GGUFValue.of(new int[] {1, 2})));
        assertError(badTokens, "tokenizer.ggml.tokens");

        Path unknownModel = write(dir, "unknown.gguf", w -> w.put("tokenizer.ggml.model", "klingon")
                .put("tokenizer.ggml.tokens", GGUFValue.of(new String[] {"a"})));
        assertError(unknownModel, "tokenizer.ggml.model");

        Path noMerges = write(dir, "no-merges.gguf", w -> w.put("tokenizer.ggml.model", "gpt2")
                .put("tokenizer.ggml.tokens", GGUFValue.of(new String[] {"a", "b"})));
        assertError(noMerges, "tokenizer.ggml.merges");

        Path badPre = write(dir, "bad-pre.gguf", w -> w.put("tokenizer.ggml.model", "gpt2").put("tokenizer.ggml.pre", "nonsense")
                .put("tokenizer.ggml.tokens", GGUFValue.of(new String[] {"a", "b"}))
                .put("tokenizer.ggml.merges", GGUFValue.of(new String[] {"a b"})));
        assertError(badPre, "tokenizer.ggml.pre");

        Path shortScores = write(dir, "short-scores.gguf", w -> w.put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", GGUFValue.of(new String[] {"<unk>", "<s>", "</s>"}))
                .put("tokenizer.ggml.scores", GGUFValue.of(new float[] {0f})));
        assertError(shortScores, "tokenizer.ggml.scores");

        Path badTypes = write(dir, "bad-types.gguf", w -> w.put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", GGUFValue.of(new String[] {"<unk>", "<s>", "</s>"}))
                .put("tokenizer.ggml.token_type", GGUFValue.of("control")));
        assertError(badTypes, "tokenizer.ggml.token_type");

        Path badBos = write(dir, "bad-bos.gguf", w -> w.put("tokenizer.ggml.model", "gpt2").put("tokenizer.ggml.pre", "gpt-2")
                .put("tokenizer.ggml.tokens", GGUFValue.of(new String[] {"a", "b"}))
                .put("tokenizer.ggml.merges", GGUFValue.of(new String[] {"a b"}))
                .put("tokenizer.ggml.add_bos_token", true));
        assertError(badBos, "tokenizer.ggml.add_bos_token");

        // a minimal but valid SPM vocabulary works
        Path ok = write(dir, "ok.gguf", w -> w.put("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", GGUFValue.of(new String[] {"<unk>", "<s>", "</s>", "▁a", "b"})));
        try (GGUFFile g = GGUFFile.open(ok)) {
            LlamaTokenizer tok = GGUFTokenizer.load(g);
            assertThat(tok.encode("ab", true, false)).containsExactly(1, 3, 4);
            assertThat(tok.encode("c", false, false)).containsExactly(0, 0, 0, 0); // no token, no byte tokens: one unknown per byte of "▁c"
        }
    }

    interface Fill {
        GGUFWriter apply(GGUFWriter w);
    }

    static Path write(Path dir, String name, Fill fill) {
        Path p = dir.resolve(name);
        fill.apply(new GGUFWriter()).write(p);
        return p;
    }

    static void assertError(Path file, String key) {
        try (GGUFFile g = GGUFFile.open(file)) {
            assertThatThrownBy(() -> GGUFTokenizer.load(g)).isInstanceOf(TesseraException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining(key);
        }
    }
}
