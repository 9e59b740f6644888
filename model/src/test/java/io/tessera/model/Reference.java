package io.tessera.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** One llama.cpp reference run from shared/models/reference/MODEL.pN.json. */
public record Reference(String model, String prompt, int[] promptTokens, float[] logits, int[] greedyTokens,
                        float[] margins, String greedyText) {

    /** Greedy steps below this top-1/top-2 margin may legitimately flip (shared/models/README.md). */
    public static final float NEAR_TIE = 0.02f;

    public static Reference load(Path json) throws IOException {
        // pieces are raw bytes and may be partial UTF-8: decode leniently, they are not used
        String text = new String(Files.readAllBytes(json), StandardCharsets.UTF_8);
        JsonNode n = new ObjectMapper().readTree(text);
        JsonNode steps = n.get("steps");
        float[] margins = new float[steps.size()];
        for (int i = 0; i < margins.length; i++) margins[i] = (float) steps.get(i).get("margin_top2").asDouble();
        return new Reference(n.get("model").asText(), n.get("prompt").asText(), ints(n.get("prompt_tokens")),
                floats(n.get("last_prompt_token_logits").get("logits")), ints(n.get("greedy_tokens")), margins,
                n.has("greedy_text") ? n.get("greedy_text").asText() : null);
    }

    /** Number of leading greedy steps that are safe to compare: those before the first near-tie. */
    public int comparableSteps() {
        for (int i = 0; i < margins.length; i++) if (margins[i] < NEAR_TIE) return i;
        return greedyTokens.length;
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    private static float[] floats(JsonNode a) {
        float[] r = new float[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = (float) a.get(i).asDouble();
        return r;
    }
}
