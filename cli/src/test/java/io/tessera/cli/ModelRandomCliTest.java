package io.tessera.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.tessera.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code model random --tokenizer}: the random model carries the tokenizer.json's vocabulary as GGUF metadata, so it
 * tokenizes as the tokenizer.json does, and as the default model (trained with the same tokenizer and checked
 * against llama.cpp when it was made) does. Uses the repository's own 4096-token models/tokenizer.json.
 */
class ModelRandomCliTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent(); // tests run in cli/

    static final String TEXT = """
            The committee met on Tuesday, and the vote was 7-2 (with 1 abstention).
              Indented   text\twith tabs, émigrés, naïve café: 3.14159 and “quotes”.
            for (int i = 0; i < n; i++) sum += x[i] * 2;
            """;

    @Test
    void randomModelWithATokenizerJsonTokenizesAsTheTokenizerJson(@TempDir Path dir) throws Exception {
        Path json = ROOT.resolve("models/tokenizer.json");
        assertThat(json).as("the default tokenizer is part of the repository").exists();
        Path out = dir.resolve("random.gguf");

        CliTest.Run made = run(null, "model", "random", "--params", "260K", "--type", "F16", "--tokenizer", json.toString(),
                "-o", out.toString());
        assertThat(made.code()).as(made.err()).isZero();
        assertThat(Files.size(out)).isPositive();

        CliTest.Run info = run(null, "inspect", out.toString());
        assertThat(info.code()).as(info.err()).isZero();
        assertThat(info.out()).containsPattern("llama\\.vocab_size +4096\\b").containsPattern("token_embd\\.weight +F16 +\\[64, 4096\\]");

        CliTest.Run fromJson = run(TEXT, "tokenize", "--tokenizer", json.toString());
        CliTest.Run fromRandom = run(TEXT, "tokenize", "-m", out.toString());
        CliTest.Run fromDefault = run(TEXT, "tokenize", "-m", ROOT.resolve("models/tessera-default.gguf").toString());
        assertThat(fromJson.code()).as(fromJson.err()).isZero();
        assertThat(fromJson.out().lines()).hasSize(3).allSatisfy(line -> assertThat(line).isNotBlank());
        assertThat(fromRandom.out()).as(fromRandom.err()).isEqualTo(fromJson.out());
        assertThat(fromDefault.out()).as(fromDefault.err()).isEqualTo(fromJson.out());

        CliTest.Run gen = run(null, "generate", "-m", out.toString(), "-p", "The committee", "-n", "4", "--ignore-eos", "-t", "1");
        assertThat(gen.code()).as(gen.err()).isZero();
    }

    @Test
    void tokenizerAndVocabFromTogetherAreRefusedInOneLine(@TempDir Path dir) {
        Path json = ROOT.resolve("models/tokenizer.json");
        CliTest.Run both = run(null, "model", "random", "--params", "260K", "--tokenizer", json.toString(),
                "--vocab-from", ROOT.resolve("models/tessera-default.gguf").toString(), "-o", dir.resolve("x.gguf").toString());
        assertThat(both.code()).isNotZero();
        assertThat(both.err().strip()).contains("--tokenizer").contains("--vocab-from").doesNotContain("\n");
        assertThat(dir.resolve("x.gguf")).doesNotExist();
    }
}
