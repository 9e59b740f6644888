package io.tessera.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFValue;
import io.tessera.model.gguf.GGUFWriter;
import io.tessera.tokenizer.Tokenizer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte-level BPE of real Llama 3 and Qwen 3 GGUF files, which the shared vocab set does not carry:
 * the vocabulary is converted from the model's tokenizer.json the way llama.cpp's converter does
 * (tokens by id, merges, control tokens, {@code tokenizer.ggml.pre}), and every corpus line is compared
 * with Hugging Face's ids (shared/tokenizers/NAME/reference). llama.cpp and Hugging Face agree on these
 * texts except where noted per case.
 */
class GGUFTokenizerHuggingFaceTest {

    @ParameterizedTest(name = "{0} {2}")
    @CsvSource({
            "llama3, llama-bpe, english", "llama3, llama-bpe, code", "llama3, llama-bpe, multilingual", "llama3, llama-bpe, adversarial",
            "qwen3, qwen2, english", "qwen3, qwen2, code", "qwen3, qwen2, multilingual", "qwen3, qwen2, adversarial"})
    void byteLevelBpeMatchesHuggingFace(String name, String pre, String corpus, @TempDir Path dir) throws Exception {
        Path json = SharedData.require("tokenizers/" + name + "/tokenizer.json");
        Path text = SharedData.require("corpus/" + corpus + ".txt");
        Path ids = SharedData.require("tokenizers/" + name + "/reference/" + corpus + ".ids.gz");
        Path gguf = dir.resolve(name + ".gguf");
        writeVocab(json, pre, gguf);

        List<String> lines = splitLines(Files.readAllBytes(text));
        List<String> expected = readGz(ids);
        assertThat(lines).hasSameSizeAs(expected);
        try (GGUFFile f = GGUFFile.open(gguf)) {
            Tokenizer tok = GGUFTokenizer.load(f);
            int unexplained = 0;
            String first = null;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                String got = join(tok.encode(line, false, true)); // HF always splits out added tokens: parse_special
                if (got.equals(expected.get(i)) || knownDifference(name, line)) continue;
                unexplained++;
                if (first == null) first = "line " + (i + 1) + ": " + line + "\n  ours: " + got + "\n  HF:   " + expected.get(i);
            }
            assertThat(unexplained).as("mismatching lines of %s (%d lines); first: %s", corpus, lines.size(), first).isZero();
        }
    }

    /**
     * Where llama.cpp itself differs from Hugging Face for Qwen: its tokenizer.json applies NFC first (llama.cpp
     * does not normalize), and llama.cpp treats the text "</s>" as an end-of-generation control token.
     */
    private static boolean knownDifference(String name, String line) {
        return name.equals("qwen3") && (!java.text.Normalizer.isNormalized(line, java.text.Normalizer.Form.NFC) || line.contains("</s>"));
    }

    /** tokenizer.json (BPE model) to a vocabulary-only GGUF, as llama.cpp's convert_hf_to_gguf.py writes it. */
    static void writeVocab(Path tokenizerJson, String pre, Path out) throws Exception {
        JsonNode t = new ObjectMapper().readTree(tokenizerJson.toFile());
        JsonNode vocab = t.get("model").get("vocab");
        int n = vocab.size();
        for (JsonNode a : t.get("added_tokens")) n = Math.max(n, a.get("id").asInt() + 1);
        String[] tokens = new String[n];
        int[] types = new int[n];
        Arrays.fill(types, 1);
        vocab.properties().forEach(e -> tokens[e.getValue().asInt()] = e.getKey());
        for (JsonNode a : t.get("added_tokens")) {
            int id = a.get("id").asInt();
            tokens[id] = a.get("content").asText();
            types[id] = a.get("special").asBoolean() ? 3 : 4;
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = 5;
            }
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : t.get("model").get("merges")) {
            merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        new GGUFWriter()
                .put("general.architecture", "llama")
                .put("tokenizer.ggml.model", "gpt2")
                .put("tokenizer.ggml.pre", pre)
                .put("tokenizer.ggml.tokens", GGUFValue.of(tokens))
                .put("tokenizer.ggml.token_type", GGUFValue.of(types))
                .put("tokenizer.ggml.merges", GGUFValue.of(merges.toArray(String[]::new)))
                .put("tokenizer.ggml.bos_token_id", 0)
                .put("tokenizer.ggml.eos_token_id", 0)
                .write(out);
    }

    static List<String> splitLines(byte[] all) {
        String s = new String(all, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(Arrays.asList(s.split("\n", -1)));
        if (!lines.isEmpty() && lines.getLast().isEmpty()) lines.removeLast();
        return lines;
    }

    static List<String> readGz(Path p) throws Exception {
        try (var in = new GZIPInputStream(Files.newInputStream(p))) {
            return splitLines(in.readAllBytes());
        }
    }

    static String join(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(sb.isEmpty() ? "" : " ").append(id);
        return sb.toString();
    }
}
