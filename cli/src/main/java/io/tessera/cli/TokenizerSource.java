package io.tessera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.TesseraException;
import io.tessera.model.GGUFTokenizer;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.tokenizer.Tiktoken;
import io.tessera.tokenizer.Tokenizer;
import io.tessera.tokenizer.hf.HFTokenizer;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Options naming a tokenizer: a GGUF model, a tokenizer.json or a .tiktoken rank file. */
final class TokenizerSource {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "GGUF file whose vocabulary to use")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json (Hugging Face), .tiktoken rank file, or .gguf")
    Path tokenizer;

    @Option(names = "--encoding", paramLabel = "NAME",
            description = "tiktoken encoding of a .tiktoken file (cl100k_base, o200k_base, p50k_base, r50k_base); default: from the file name")
    String encoding;

    Tokenizer load() {
        if (model != null && tokenizer != null) throw new TesseraException("give either -m MODEL or --tokenizer FILE, not both");
        Path p = model != null ? model : tokenizer;
        if (p == null) throw new TesseraException("no tokenizer given: pass --tokenizer FILE (tokenizer.json or .tiktoken) or -m MODEL.gguf");
        if (!Files.isRegularFile(p)) throw new TesseraException("no such file: " + p);
        String name = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".gguf") || model != null) {
            try (GGUFFile f = GGUFFile.open(p)) {
                return GGUFTokenizer.load(f);
            }
        }
        if (encoding != null || name.endsWith(".tiktoken")) return tiktoken(p);
        if (name.endsWith(".json") || looksLikeJson(p)) return HFTokenizer.load(p);
        return tiktoken(p);
    }

    private Tokenizer tiktoken(Path p) {
        if (encoding != null) return Tiktoken.load(p, encoding);
        try {
            return Tiktoken.load(p);
        } catch (TesseraException e) {
            // no known encoding in the name: an encoding.json beside it (pat_str, special_tokens) says it
            Path spec = p.resolveSibling("encoding.json");
            if (!Files.isRegularFile(spec)) throw e;
            try {
                JsonNode j = new ObjectMapper().readTree(spec.toFile());
                Map<String, Integer> specials = new LinkedHashMap<>();
                JsonNode st = j.get("special_tokens");
                if (st != null) st.fields().forEachRemaining(f -> specials.put(f.getKey(), f.getValue().asInt()));
                if (j.get("pat_str") == null) throw new TesseraException(spec + ": pat_str: missing");
                return Tiktoken.load(p, p.getFileName().toString(), j.get("pat_str").asText(), specials);
            } catch (IOException io) {
                throw new TesseraException(spec + ": " + io.getMessage());
            }
        }
    }

    private static boolean looksLikeJson(Path p) {
        try (var in = Files.newInputStream(p)) {
            int c;
            while ((c = in.read()) == ' ' || c == '\n' || c == '\r' || c == '\t') { }
            return c == '{';
        } catch (IOException e) {
            return false;
        }
    }
}
