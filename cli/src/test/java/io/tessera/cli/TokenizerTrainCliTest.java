package io.tessera.cli;

import io.tessera.tokenizer.hf.HFTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.tessera.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tessera tokenizer train}: output, progress bar, one-line errors, no half-written output. */
class TokenizerTrainCliTest {

    @Test
    void trainsAndWritesALoadableTokenizer(@TempDir Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("a.txt"), "the cat sat on the mat\nthe dog sat on the log\n".repeat(20));
        Path b = Files.writeString(dir.resolve("b.txt"), "un chat, deux chats; 123456 chats\n".repeat(10));
        Path out = dir.resolve("tokenizer.json");
        CliTest.Run r = run(null, "tokenizer", "train", "--vocab-size", "300", "--min-frequency", "2",
                "--special-tokens", "<|endoftext|>,<|pad|>", "--out", out.toString(), a.toString(), b.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("Counting words").contains("Computing merges").contains("100%").contains("wrote " + out);
        HFTokenizer tok = HFTokenizer.load(out);
        assertThat(tok.tokenId("<|endoftext|>")).isZero();
        assertThat(tok.tokenId("<|pad|>")).isEqualTo(1);
        assertThat(tok.vocabSize()).isBetween(259, 300);
        assertThat(tok.tokenId("Ġthe")).isPositive();
        String text = "the cat sat on 12 chats<|endoftext|>";
        assertThat(tok.decode(tok.encode(text, false, true), true)).isEqualTo(text);
    }

    @Test
    void badInputIsOneLineAndLeavesNoOutput(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tokenizer.json");
        Path good = Files.writeString(dir.resolve("good.txt"), "hello\n");
        Path empty = Files.write(dir.resolve("empty.txt"), new byte[0]);
        Path bad = Files.write(dir.resolve("bad.txt"), "ok\nnot \u00e9".getBytes(StandardCharsets.ISO_8859_1));
        Path missing = dir.resolve("missing.txt");
        String[][] cases = {
                {empty.toString(), empty + ": empty file"},
                {bad.toString(), bad + ": not UTF-8: invalid byte sequence at byte offset 7"},
                {missing.toString(), missing + ": no such file"},
        };
        for (String[] c : cases) {
            CliTest.Run r = run(null, "tokenizer", "train", "--vocab-size", "300", "--no-progress", "--out", out.toString(), good.toString(), c[0]);
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).isEqualTo("tessera: " + c[1] + System.lineSeparator());
            assertThat(out).doesNotExist();
        }
        CliTest.Run r = run(null, "tokenizer", "train", "--vocab-size", "300", "--split", "bert", "--out", out.toString(), good.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err().strip()).doesNotContain("\n").contains("--split");
        try (var s = Files.list(dir)) {
            assertThat(s.filter(p -> p.getFileName().toString().endsWith(".tmp")).count()).isZero();
        }
    }
}
