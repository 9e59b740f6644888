package io.tessera.train;

import io.tessera.model.gguf.GGUFValue;

import java.util.LinkedHashMap;
import java.util.Map;

/** A synthetic SentencePiece-style vocabulary (3 specials, 256 byte tokens, filler pieces) as GGUF metadata. */
final class TestVocab {
    private TestVocab() {}

    static Map<String, GGUFValue> metadata(int vocab) {
        String[] tokens = new String[vocab];
        float[] scores = new float[vocab];
        int[] types = new int[vocab];
        tokens[0] = "<unk>"; types[0] = 2;
        tokens[1] = "<s>"; types[1] = 3;
        tokens[2] = "</s>"; types[2] = 3;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = 6;
        }
        String letters = "etaoinshrdlucmfwypvbgkjqxz";
        for (int i = 259; i < vocab; i++) {
            int k = i - 259;
            StringBuilder sb = new StringBuilder("\u2581");
            do { sb.append(letters.charAt(k % 26)); k /= 26; } while (k > 0);
            tokens[i] = sb.toString();
            scores[i] = -i;
            types[i] = 1;
        }
        Map<String, GGUFValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GGUFValue.of("llama"));
        m.put("tokenizer.ggml.tokens", GGUFValue.of(tokens));
        m.put("tokenizer.ggml.scores", GGUFValue.of(scores));
        m.put("tokenizer.ggml.token_type", GGUFValue.of(types));
        m.put("tokenizer.ggml.bos_token_id", GGUFValue.ofUInt32(1));
        m.put("tokenizer.ggml.eos_token_id", GGUFValue.ofUInt32(2));
        m.put("tokenizer.ggml.unknown_token_id", GGUFValue.ofUInt32(0));
        m.put("tokenizer.ggml.add_bos_token", GGUFValue.of(true));
        m.put("tokenizer.ggml.add_eos_token", GGUFValue.of(false));
        return m;
    }
}
