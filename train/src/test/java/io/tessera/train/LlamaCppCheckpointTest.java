package io.tessera.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.model.Model;
import io.tessera.model.Session;
import io.tessera.model.gguf.GGMLType;
import io.tessera.model.gguf.GGUFValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Checkpoints as llama.cpp reads them: the checkpoint writer's F32 (tied output) and F16 (separate output)
 * files, with the byte-level BPE tokenizer converted from {@code llamacpp/tokenizer.json}, are rebuilt here
 * byte for byte (SHA-256 recorded) and Tessera's inference is compared with what llama.cpp printed for them
 * (see {@code src/test/resources/llamacpp/README.md}): prompt tokens, next-token logits, greedy continuation.
 */
class LlamaCppCheckpointTest {

    static TrainConfig config(boolean tied) {
        TrainConfig c = TrainConfig.defaults();
        c.dim = 64; c.layers = 2; c.heads = 4; c.kvHeads = 2; c.ffn = 160; c.vocab = 262; c.seqLen = 64;
        c.tied = tied; c.initStd = 0.25f; c.seed = 7;
        return c.validate();
    }

    /** Writes the checkpoint of {@code type} (F32: tied, F16: untied) into {@code dir}. */
    static Path write(Path dir, GGMLType type) throws Exception {
        Path tok = dir.resolve("tokenizer.json");
        try (InputStream in = LlamaCppCheckpointTest.class.getResourceAsStream("/llamacpp/tokenizer.json")) {
            Files.write(tok, in.readAllBytes());
        }
        Map<String, GGUFValue> md = TokenizerFile.fromTokenizerJson(tok);
        TrainConfig c = config(type == GGMLType.F32);
        Params p = new Params(c);
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (Param t : p.all()) if (!t.isMatrix()) for (int i = 0; i < t.size(); i++) t.w[i] = 1f + (float) (0.2 * r.nextGaussian());
        Path out = dir.resolve("ckpt-" + type + ".gguf");
        Checkpoint.writeModel(out, c, p, md, type, 0);
        return out;
    }

    @Test
    void f32TiedCheckpointGivesLlamaCppsLogitsAndGreedyTokens(@TempDir Path dir) throws Exception {
        check(dir, GGMLType.F32, 1e-4);
    }

    @Test
    void f16UntiedCheckpointGivesLlamaCppsLogitsAndGreedyTokens(@TempDir Path dir) throws Exception {
        check(dir, GGMLType.F16, 3e-3);
    }

    private void check(Path dir, GGMLType type, double tol) throws Exception {
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("/llamacpp/ckpt-" + type + ".json")) {
            ref = new ObjectMapper().readTree(in);
        }
        Path f = write(dir, type);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        assertThat(sha).as("the checkpoint writer's output changed: re-record llama.cpp's output (README)").isEqualTo(ref.get("sha256").asText());
        try (Model m = Model.load(f); Session s = m.newSession(64, 1)) {
            int[] prompt = m.tokenizer().encode(ref.get("prompt").asText(), true, false);
            int[] want = new ObjectMapper().convertValue(ref.get("prompt_tokens"), int[].class);
            assertThat(prompt).containsExactly(want);
            float[] logits = s.prefill(prompt).clone();
            JsonNode rl = ref.get("logits");
            assertThat(logits).hasSize(rl.size());
            for (int j = 0; j < logits.length; j++) assertThat((double) logits[j]).as("logit " + j).isCloseTo(rl.get(j).asDouble(), within(tol));
            JsonNode greedy = ref.get("greedy_tokens"), margins = ref.get("margins");
            float[] cur = logits;
            for (int i = 0; i < greedy.size(); i++) {
                int best = 0;
                for (int j = 1; j < cur.length; j++) if (cur[j] > cur[best]) best = j;
                if (margins.get(i).asDouble() < 1e-3) break; // a near-tie: either token is right
                assertThat(best).as("greedy step " + i).isEqualTo(greedy.get(i).asInt());
                cur = s.decode(best);
            }
        }
    }

    /** Writes the two checkpoints for re-recording: -Dtessera.llamacpp.out=DIR. */
    @Test
    void writeInputsForRecording() throws Exception {
        String out = System.getProperty("tessera.llamacpp.out");
        if (out == null) return;
        Path d = Files.createDirectories(Path.of(out));
        write(d, GGMLType.F32);
        write(d, GGMLType.F16);
    }
}
