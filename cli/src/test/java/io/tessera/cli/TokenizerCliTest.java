package io.tessera.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static io.tessera.cli.CliTest.run;
import static io.tessera.cli.CliTest.shared;
import static org.assertj.core.api.Assertions.assertThat;

/** The tokenize/detokenize contract for tokenizer.json and .tiktoken files. */
class TokenizerCliTest {

    /** The first n lines of a corpus ('\n'-separated) and the matching reference lines. */
    static String[] head(String tokenizer, String corpus, int n) throws Exception {
        String text = Files.readString(shared("corpus/" + corpus + ".txt"), StandardCharsets.UTF_8);
        String ref;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(shared("tokenizers/" + tokenizer + "/reference/" + corpus + ".ids.gz")))) {
            ref = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return new String[] {firstLines(text, n), firstLines(ref, n)};
    }

    static String firstLines(String s, int n) {
        int at = 0;
        for (int i = 0; i < n && at >= 0; i++) {
            at = s.indexOf('\n', at);
            if (at >= 0) at++;
        }
        return at < 0 ? s : s.substring(0, at);
    }

    @Test
    void tokenizeJsonMatchesReferenceLineByLine() throws Exception {
        for (String tk : List.of("llama3", "gemma3", "bert-minilm")) {
            for (String corpus : List.of("adversarial", "multilingual")) {
                String[] h = head(tk, corpus, 400);
                CliTest.Run r = run(h[0], "tokenize", "--tokenizer", shared("tokenizers/" + tk + "/tokenizer.json").toString());
                assertThat(r.code()).as(r.err()).isZero();
                assertThat(r.out()).as(tk + " x " + corpus).isEqualTo(h[1]);
            }
        }
    }

    @Test
    void tokenizeTiktokenByFileNameAndByEncoding(@TempDir Path tmp) throws Exception {
        Path cl = shared("tokenizers/tiktoken-cl100k_base/cl100k_base.tiktoken");
        String[] h = head("tiktoken-cl100k_base", "adversarial", 600);
        CliTest.Run r = run(h[0], "tokenize", "--tokenizer", cl.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(h[1]);
        // a rank file not named after its encoding needs --encoding
        Path renamed = tmp.resolve("ranks.bin");
        Files.copy(shared("tokenizers/tiktoken-o200k_base/o200k_base.tiktoken"), renamed);
        String[] o = head("tiktoken-o200k_base", "multilingual", 300);
        CliTest.Run r2 = run(o[0], "tokenize", "--tokenizer", renamed.toString(), "--encoding", "o200k_base");
        assertThat(r2.code()).as(r2.err()).isZero();
        assertThat(r2.out()).isEqualTo(o[1]);
        CliTest.Run r3 = run("x\n", "tokenize", "--tokenizer", renamed.toString());
        assertThat(r3.code()).isEqualTo(1);
        assertThat(r3.err()).contains("--encoding");
    }

    @Test
    void specialTokenTextIsSplitOutForJsonButPlainForTiktoken() {
        String in = "text<|endoftext|>text\n";
        CliTest.Run hf = run(in, "tokenize", "--tokenizer", shared("tokenizers/gpt4o/tokenizer.json").toString());
        assertThat(hf.out().trim().split(" ")).contains("199999");
        CliTest.Run tt = run(in, "tokenize", "--tokenizer", shared("tokenizers/tiktoken-o200k_base/o200k_base.tiktoken").toString());
        assertThat(tt.out().trim().split(" ")).doesNotContain("199999");
    }

    @Test
    void addSpecialAddsTheTemplateTokensOnly() {
        String json = shared("tokenizers/bert-minilm/tokenizer.json").toString();
        CliTest.Run plain = run("hello world\n", "tokenize", "--tokenizer", json);
        assertThat(plain.out()).isEqualTo("7592 2088\n"); // no truncation/padding from the file
        CliTest.Run special = run("hello world\n", "tokenize", "--tokenizer", json, "--add-special");
        assertThat(special.out()).isEqualTo("101 7592 2088 102\n");
        CliTest.Run llama = run("Hi\n", "tokenize", "--tokenizer", shared("tokenizers/llama2/tokenizer.json").toString(), "--add-special");
        assertThat(llama.out()).startsWith("1 ");
    }

    @Test
    void carriageReturnBelongsToItsLineAndEmptyLinesStay() {
        String json = shared("tokenizers/llama3/tokenizer.json").toString();
        CliTest.Run r = run("a\r\n\nb", "tokenize", "--tokenizer", json);
        String[] lines = r.out().split("\n", -1);
        assertThat(lines).hasSize(4);
        assertThat(lines[0].split(" ")).hasSize(2); // "a" and "\r"
        assertThat(lines[1]).isEmpty();
        assertThat(lines[3]).isEmpty();
    }

    @Test
    void detokenizeRoundTrips() {
        for (String tk : List.of("tokenizers/llama3/tokenizer.json", "tokenizers/llama2/tokenizer.json", "tokenizers/tiktoken-cl100k_base/cl100k_base.tiktoken")) {
            String text = "\uFEFFHello, wörld! 日本語 🫠  spaces\ttab";
            CliTest.Run enc = run(text + "\n", "tokenize", "--tokenizer", shared(tk).toString());
            CliTest.Run dec = run(enc.out(), "detokenize", "--tokenizer", shared(tk).toString());
            assertThat(dec.code()).as(dec.err()).isZero();
            assertThat(dec.out()).as(tk).isEqualTo(text + "\n");
        }
        CliTest.Run empty = run("\n", "detokenize", "--tokenizer", shared("tokenizers/llama3/tokenizer.json").toString());
        assertThat(empty.out()).isEqualTo("\n");
        CliTest.Run bad = run("1 2 999999999\n", "detokenize", "--tokenizer", shared("tokenizers/llama3/tokenizer.json").toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("out of range");
    }

    @Test
    void malformedTokenizerJsonIsOneLineNamingThePath(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []},"
                + " \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Whitespace\"}, {\"type\": \"Foo\"}]}}");
        CliTest.Run r = run("a\n", "tokenize", "--tokenizer", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).endsWith("pre_tokenizer.pretokenizers[1].type: unsupported \"Foo\"");
        assertThat(r.err().strip().lines()).hasSize(1);
        Files.writeString(f, "{\"model\": ");
        CliTest.Run r2 = run("a\n", "tokenize", "--tokenizer", f.toString());
        assertThat(r2.code()).isEqualTo(1);
        assertThat(r2.err().strip().lines()).hasSize(1);
    }
}
