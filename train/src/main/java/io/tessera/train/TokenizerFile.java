package io.tessera.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.TesseraException;
import io.tessera.model.GGUFTokenizer;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFValue;
import io.tessera.model.gguf.GGUFWriter;
import io.tessera.tokenizer.PreTokenizer;
import io.tessera.tokenizer.RegexSplitter;
import io.tessera.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer of a training run and the GGUF {@code tokenizer.*} metadata its checkpoints carry.
 *
 * <p>From a GGUF file, the metadata is copied as it is. From a Hugging Face {@code tokenizer.json}
 * (byte-level BPE: model BPE, pre-tokenizer ByteLevel with the GPT-2 regex, or Split with the Llama 3 / Qwen 2
 * regex followed by ByteLevel), the vocabulary, merges and special tokens are converted to llama.cpp's
 * {@code gpt2} tokenizer metadata. In both cases the training data is tokenized by the tokenizer built from
 * that metadata, i.e. exactly as Tessera and llama.cpp will tokenize prompts for the trained model.
 */
public final class TokenizerFile {
    private final Map<String, GGUFValue> metadata;
    private final Tokenizer tokenizer;

    private TokenizerFile(Map<String, GGUFValue> metadata, Tokenizer tokenizer) {
        this.metadata = metadata;
        this.tokenizer = tokenizer;
    }

    public Map<String, GGUFValue> metadata() {
        return metadata;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public static TokenizerFile load(Path file) {
        if (!Files.isRegularFile(file)) throw new TesseraException(file + ": tokenizer file not found");
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        Map<String, GGUFValue> md;
        if (name.endsWith(".gguf")) {
            md = new LinkedHashMap<>();
            try (GGUFFile f = GGUFFile.open(file)) {
                f.metadata().forEach((k, v) -> { if (k.startsWith("tokenizer.")) md.put(k, v); });
            }
            if (!md.containsKey("tokenizer.ggml.model")) throw new TesseraException(file + ": no tokenizer metadata (tokenizer.ggml.model)");
        } else {
            md = fromTokenizerJson(file);
        }
        return new TokenizerFile(md, build(md, file));
    }

    /** The tokenizer llama.cpp and Tessera build from this metadata (through a temporary vocabulary-only GGUF). */
    static Tokenizer build(Map<String, GGUFValue> md, Path source) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("tessera-vocab", ".gguf");
            GGUFWriter w = new GGUFWriter();
            w.put("general.architecture", "llama");
            w.putAll(md);
            w.write(tmp);
            try (GGUFFile f = GGUFFile.open(tmp)) {
                return GGUFTokenizer.load(f);
            }
        } catch (IOException e) {
            throw new TesseraException(source + ": cannot write a temporary file: " + e.getMessage());
        } catch (TesseraException e) {
            throw new TesseraException(source + ": " + e.getMessage().replace(String.valueOf(tmp), "converted vocabulary"));
        } finally {
            if (tmp != null) try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
        }
    }

    /** llama.cpp {@code gpt2} tokenizer metadata of a byte-level BPE tokenizer.json. */
    public static Map<String, GGUFValue> fromTokenizerJson(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new TesseraException(file + ": not a tokenizer.json: " + e.getMessage().lines().findFirst().orElse(""));
        }
        String f = file + ": ";
        JsonNode model = root.get("model");
        if (model == null || !"BPE".equals(model.path("type").asText())) throw new TesseraException(f + "model.type: only BPE tokenizers can be converted");
        if (model.path("byte_fallback").asBoolean(false)) throw new TesseraException(f + "model.byte_fallback: byte-fallback BPE is not byte-level; not supported");
        JsonNode norm = root.get("normalizer");
        if (norm != null && !norm.isNull()) throw new TesseraException(f + "normalizer: must be null for a byte-level BPE GGUF tokenizer");
        String pre = preName(root.get("pre_tokenizer"), f);

        Map<Integer, String> byId = new LinkedHashMap<>();
        Map<Integer, Integer> type = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt(-1);
            if (id < 0) throw new TesseraException(f + "model.vocab['" + e.getKey() + "']: bad id");
            if (byId.put(id, e.getKey()) != null) throw new TesseraException(f + "model.vocab: id " + id + " used twice");
            type.put(id, 1);
        }
        String eosText = null;
        for (JsonNode a : root.path("added_tokens")) {
            int id = a.path("id").asInt(-1);
            String content = a.path("content").asText();
            String had = byId.get(id);
            if (had != null && !had.equals(content)) throw new TesseraException(f + "added_tokens: id " + id + " is '" + content + "' but model.vocab has '" + had + "'");
            byId.put(id, content);
            boolean special = a.path("special").asBoolean(false);
            type.put(id, special ? 3 : 4);
            if (special && eosText == null) eosText = content;
        }
        if (byId.isEmpty()) throw new TesseraException(f + "model.vocab: empty");
        int n = byId.keySet().stream().mapToInt(Integer::intValue).max().getAsInt() + 1;
        String[] tokens = new String[n];
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = byId.get(i);
            if (tokens[i] == null) throw new TesseraException(f + "model.vocab: no token with id " + i + " (ids must be 0.." + (n - 1) + ")");
            types[i] = type.get(i);
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isTextual()) merges.add(m.asText());
            else if (m.isArray() && m.size() == 2) merges.add(m.get(0).asText() + " " + m.get(1).asText());
            else throw new TesseraException(f + "model.merges: expected \"a b\" or [\"a\", \"b\"]");
        }
        // end of text: <|endoftext|> when there is one, else the first special added token
        int eos = -1;
        for (int i = 0; i < n; i++) if (tokens[i].equals("<|endoftext|>")) eos = i;
        if (eos < 0 && eosText != null) for (int i = 0; i < n; i++) if (tokens[i].equals(eosText)) { eos = i; break; }
        Map<String, GGUFValue> md = new LinkedHashMap<>();
        md.put("tokenizer.ggml.model", GGUFValue.of("gpt2"));
        md.put("tokenizer.ggml.pre", GGUFValue.of(pre));
        md.put("tokenizer.ggml.tokens", GGUFValue.of(tokens));
        md.put("tokenizer.ggml.token_type", GGUFValue.of(types));
        md.put("tokenizer.ggml.merges", GGUFValue.of(merges.toArray(String[]::new)));
        if (eos >= 0) {
            md.put("tokenizer.ggml.bos_token_id", GGUFValue.ofUInt32(eos));
            md.put("tokenizer.ggml.eos_token_id", GGUFValue.ofUInt32(eos));
        }
        md.put("tokenizer.ggml.add_bos_token", GGUFValue.of(false));
        md.put("tokenizer.ggml.add_eos_token", GGUFValue.of(false));
        return md;
    }

    private static String preName(JsonNode p, String f) {
        if (p == null || p.isNull()) throw new TesseraException(f + "pre_tokenizer: missing (byte-level BPE needs ByteLevel)");
        String t = p.path("type").asText();
        if (t.equals("ByteLevel")) {
            if (p.path("add_prefix_space").asBoolean(false)) throw new TesseraException(f + "pre_tokenizer.add_prefix_space: true is not supported by llama.cpp's gpt2 tokenizer");
            if (!p.path("use_regex").asBoolean(true)) throw new TesseraException(f + "pre_tokenizer.use_regex: false (no split) is not supported");
            return "gpt-2";
        }
        if (t.equals("Sequence") && p.path("pretokenizers").size() == 2) {
            JsonNode split = p.get("pretokenizers").get(0), bl = p.get("pretokenizers").get(1);
            if ("Split".equals(split.path("type").asText()) && "ByteLevel".equals(bl.path("type").asText())
                    && !bl.path("use_regex").asBoolean(true) && !bl.path("add_prefix_space").asBoolean(false)) {
                String re = split.path("pattern").path("Regex").asText("")
                        .replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])");
                if (re.equals(RegexSplitter.LLAMA3)) return "llama-bpe";
                if (List.of(re).equals(PreTokenizer.QWEN2.regexes())) return "qwen2";
            }
        }
        throw new TesseraException(f + "pre_tokenizer: only ByteLevel (GPT-2 regex) or Split(Llama 3 / Qwen 2 regex) + ByteLevel can be written as a llama.cpp tokenizer");
    }
}
