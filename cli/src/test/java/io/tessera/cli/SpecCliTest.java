package io.tessera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.tessera.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code generate --spec} and {@code bench spec} on Tessera's own default model and its draft sibling (models/). */
class SpecCliTest {
    static String oldHome;

    @BeforeAll
    static void home() {
        oldHome = System.getProperty("tessera.home");
        Path root = Path.of("").toAbsolutePath().getParent(); // tests run in cli/
        assertThat(root.resolve("models/tessera-default.gguf")).as("the default model is part of the repository").exists();
        assertThat(root.resolve("models/tessera-draft.gguf")).as("the draft model is part of the repository").exists();
        System.setProperty("tessera.home", root.toString());
    }

    @AfterAll
    static void restore() {
        if (oldHome == null) System.clearProperty("tessera.home");
        else System.setProperty("tessera.home", oldHome);
    }

    private static final String PROMPT = "The committee met on Tuesday and the committee met on Tuesday and the";

    @Test
    void everyModeGivesThePlainGreedyTextWithTheDefaultDraft() {
        CliTest.Run plain = run(null, "generate", "-p", PROMPT, "-n", "40", "--temp", "0", "--ignore-eos", "-t", "1");
        assertThat(plain.code()).as(plain.err()).isZero();
        for (String mode : new String[]{"draft", "multi-draft", "tree", "lookup", "recycle", "self"}) {
            CliTest.Run r = run(null, "generate", "-p", PROMPT, "-n", "40", "--temp", "0", "--ignore-eos", "-t", "1", "--spec", mode);
            assertThat(r.code()).as(mode + ": " + r.err()).isZero();
            assertThat(r.out()).as(mode).isEqualTo(plain.out());
            assertThat(r.err()).contains("speculation (" + mode);
        }
    }

    @Test
    void badSpeculationSettingsGiveOneLineErrors() {
        Path model = Path.of(System.getProperty("tessera.home"), "models", "tessera-default.gguf");
        CliTest.Run noDraft = run(null, "generate", "-m", model.toString(), "-p", "Hi", "--spec", "draft");
        assertThat(noDraft.code()).isNotZero();
        assertThat(noDraft.err().strip()).startsWith("tessera: ").contains("--draft").doesNotContain("\n");

        CliTest.Run unknown = run(null, "generate", "-p", "Hi", "--spec", "medusa");
        assertThat(unknown.code()).isNotZero();
        assertThat(unknown.err().strip()).contains("unknown speculation mode 'medusa'").contains("multi-draft").doesNotContain("\n");

        CliTest.Run extra = run(null, "generate", "-p", "Hi", "--spec", "lookup", "--draft", model.toString());
        assertThat(extra.code()).isNotZero();
        assertThat(extra.err().strip()).contains("drop --draft");

        CliTest.Run rule = run(null, "generate", "-p", "Hi", "--spec", "multi-draft", "--selection", "best");
        assertThat(rule.code()).isNotZero();
        assertThat(rule.err().strip()).contains("--selection").contains("spectr");

        CliTest.Run layers = run(null, "generate", "-p", "Hi", "--spec", "self", "--self-layers", "3,1");
        assertThat(layers.code()).isNotZero();
        assertThat(layers.err().strip()).contains("ascending");

        CliTest.Run tooLong = run(null, "bench", "spec", "-n", "300", "-r", "1", "--modes", "lookup", "--prompts", "copy");
        assertThat(tooLong.code()).isNotZero();
        assertThat(tooLong.err().strip()).startsWith("tessera: ").contains("-n 300", "context of 256").doesNotContain("\n");

        CliTest.Run sweep = run(null, "bench", "spec", "-n", "4", "--modes", "multi-draft", "--drafts-sweep", "2,0");
        assertThat(sweep.code()).isNotZero();
        assertThat(sweep.err().strip()).contains("--drafts-sweep").contains("got 0");
    }

    @Test
    void aDraftWithAnotherVocabularyIsRefused() {
        Path other = CliTest.shared("models/stories260K-F32.gguf");
        CliTest.Run r = run(null, "generate", "-p", "Hi", "--spec", "tree", "--draft", other.toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err().strip()).contains("stories260K-F32.gguf").contains("512 tokens").contains("4096").contains("same tokenizer");
    }

    @Test
    void benchSpecPrintsOneRowPerPromptAndMode() throws Exception {
        CliTest.Run r = run(null, "bench", "spec", "-n", "8", "-r", "1", "-t", "1", "--modes", "lookup,draft", "--prompts", "copy", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertThat(o.get("results")).hasSize(3);
        for (JsonNode row : o.get("results")) {
            assertThat(row.get("prompt").asText()).isEqualTo("copy");
            assertThat(row.get("tokens_per_s").asDouble()).isPositive();
            assertThat(row.get("tokens_per_pass").asDouble()).isGreaterThanOrEqualTo(1.0);
        }
        assertThat(o.get("results").get(0).get("mode").asText()).isEqualTo("plain");
        assertThat(Files.exists(Path.of(o.get("draft").asText()))).isTrue();
    }
}
