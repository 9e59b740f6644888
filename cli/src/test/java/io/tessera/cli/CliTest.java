package io.tessera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI contract of the runtime issue, checked against llama.cpp's reference outputs. */
class CliTest {
    record Run(int code, String out, String err) {}

    static Path shared(String rel) {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
            Path p = dir.resolveSibling("shared").resolve(rel);
            if (Files.exists(p)) return p;
        }
        Assumptions.assumeTrue(false, "skipped: shared test data not found (needs ../shared beside the checkout): " + rel);
        return null;
    }

    static Run run(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        InputStream oldIn = System.in;
        try {
            if (stdin != null) System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(oldIn);
        }
    }

    @Test
    void generateGreedyPrintsExactlyLlamaCppContinuation() throws Exception {
        Path model = shared("models/stories260K-F32.gguf");
        JsonNode ref = new ObjectMapper().readTree(new String(Files.readAllBytes(shared("models/reference/stories260K-F32.p0.json")), StandardCharsets.UTF_8));
        Run r = run(null, "generate", "-m", model.toString(), "-p", ref.get("prompt").asText(), "-n", "64",
                "--temperature", "0", "--ignore-eos", "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(ref.get("greedy_text").asText());
        assertThat(r.err()).contains("tokens/s");
    }

    @Test
    void generateWithSeedIsReproducible() {
        Path model = shared("models/stories260K-F32.gguf");
        String[] args = {"generate", "-m", model.toString(), "-p", "Once upon a time", "-n", "24", "--temperature", "0.9", "--seed", "7"};
        Run a = run(null, args), b = run(null, args);
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(a.out()).isNotEmpty().isEqualTo(b.out());
    }

    @Test
    void tokenizeMatchesLlamaCppPromptTokensLineByLine() {
        Path model = shared("models/stories260K-F32.gguf");
        Run r = run("Once upon a time\nThe little dog was sad because\n", "tokenize", "-m", model.toString(), "--bos");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(promptIds("stories260K-F32.p0") + "\n" + promptIds("stories260K-F32.p2") + "\n");

        // without --bos: no BOS, an empty line gives an empty line, and '\r' belongs to its line
        Run plain = run("Once upon a time\n\nOnce upon a time\r\n", "tokenize", "-m", model.toString());
        String[] lines = plain.out().split("\n", -1);
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).isEqualTo(promptIds("stories260K-F32.p0").substring(2));
        assertThat(lines[1]).isEmpty();
        assertThat(lines[2]).startsWith(lines[0] + " ").isNotEqualTo(lines[0]);
        assertThat(lines[3]).isEmpty();
    }

    private static String promptIds(String ref) {
        try {
            JsonNode n = new ObjectMapper().readTree(new String(Files.readAllBytes(shared("models/reference/" + ref + ".json")), StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            n.get("prompt_tokens").forEach(t -> sb.append(sb.isEmpty() ? "" : " ").append(t.asInt()));
            return sb.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void logitsPrintsTopKAsJsonCloseToLlamaCpp() throws Exception {
        Path model = shared("models/stories260K-F32.gguf");
        JsonNode ref = new ObjectMapper().readTree(new String(Files.readAllBytes(shared("models/reference/stories260K-F32.p1.json")), StandardCharsets.UTF_8));
        Run r = run(null, "logits", "-m", model.toString(), "-p", ref.get("prompt").asText(), "--top", "5");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode ours = new ObjectMapper().readTree(r.out());
        JsonNode top = ref.get("last_prompt_token_logits").get("top");
        assertThat(ours.size()).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertThat(ours.get(i).get("token").asInt()).isEqualTo(top.get(i).get("id").asInt());
            assertThat(ours.get(i).get("logit").asDouble()).isCloseTo(top.get(i).get("logit").asDouble(), org.assertj.core.data.Offset.offset(2e-3));
        }
    }

    @Test
    void benchPrintsJsonWithTheAgreedKeys() throws Exception {
        Path model = shared("models/stories260K-F32.gguf");
        Run r = run(null, "bench", "-m", model.toString(), "-p", "16", "-n", "8", "-r", "2", "-t", "1", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertThat(o.get("pp_tokens_per_s").asDouble()).isPositive();
        assertThat(o.get("tg_tokens_per_s").asDouble()).isPositive();
        // counted from JVM start, so it includes loading
        assertThat(o.get("first_token_ms").asDouble()).isGreaterThan(o.get("load_ms").asDouble());
        // every tensor once, except the 512 x 64 F32 embedding table of which one row is read
        long tensors = java.nio.file.Files.size(model) - 14176; // data section, from the file's header size
        assertThat(o.get("bytes_per_token").asLong()).isBetween(tensors - 512 * 64 * 4 + 64 * 4 - 4096, tensors - 512 * 64 * 4 + 64 * 4);

        Run mem = run(null, "bench", "memory", "--size-mb", "32", "-r", "1", "-t", "1", "--json");
        assertThat(mem.code()).as(mem.err()).isZero();
        assertThat(new ObjectMapper().readTree(mem.out()).get("read_gbps").asDouble()).isPositive();
    }

    @Test
    void inspectPrintsMetadataAndTensors() {
        Path model = shared("models/rand-15M-Q4_0.gguf");
        Run r = run(null, "inspect", model.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("general.architecture", "\"llama\"", "blk.0.attn_q.weight", "Q4_0", "[288, 288]");
    }

    @Test
    void badInputGivesOneLineErrorAndNonZeroExit(@TempDir Path dir) throws Exception {
        Run missing = run(null, "generate", "-m", dir.resolve("nope.gguf").toString(), "-p", "hi");
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err().strip()).startsWith("tessera: ").contains("nope.gguf").doesNotContain("\n").doesNotContain("Exception");

        Path model = shared("models/stories260K-F32.gguf");
        byte[] all = Files.readAllBytes(model);
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        Run truncated = run(null, "generate", "-m", cut.toString(), "-p", "hi");
        assertThat(truncated.code()).isNotZero();
        assertThat(truncated.err().strip()).contains("cut.gguf").contains("truncated").doesNotContain("\n");

        Run tooLong = run(null, "generate", "-m", model.toString(), "-p", "Once upon a time ".repeat(100), "-n", "4");
        assertThat(tooLong.code()).isNotZero();
        assertThat(tooLong.err().strip().lines().toList().getLast()).startsWith("tessera: ").contains("prompt too long", "402 tokens", "128");
        assertThat(tooLong.err()).doesNotContain("\tat ");
        assertThat(tooLong.out()).isEmpty();
    }
}
