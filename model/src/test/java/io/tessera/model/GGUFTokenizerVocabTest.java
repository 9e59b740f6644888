package io.tessera.model;

import io.tessera.model.gguf.GGUFFile;
import io.tessera.tokenizer.LlamaTokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's own tokenizer test set (models/ggml-vocab-*.gguf with .inp/.out), checked the way its
 * tests/test-tokenizer-0.cpp does: inputs separated by "\n__ggml_vocab_test__\n", tokenized with
 * add_special = false and parse_special = false, compared with the ids in .out (one line per input).
 */
class GGUFTokenizerVocabTest {

    record Case(String input, int[] expected) {}

    static List<Case> readCases(Path gguf) throws IOException {
        String inp = Files.readString(Path.of(gguf + ".inp"), StandardCharsets.UTF_8);
        List<String> out = Files.readAllLines(Path.of(gguf + ".out"), StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> inputs = new ArrayList<>();
        int pos = 0;
        while (pos < inp.length()) {
            int next = inp.indexOf(sep, pos);
            if (next < 0) {
                inputs.add(inp.substring(pos));
                break;
            }
            inputs.add(inp.substring(pos, next));
            pos = next + sep.length();
        }
        assertThat(inputs).as("inputs vs output lines in " + gguf).hasSameSizeAs(out);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String line = out.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(inputs.get(i), ids));
        }
        return cases;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "deepseek-coder", "deepseek-llm", "falcon", "starcoder",
            "mpt", "refact", "bert-bge"})
    void matchesLlamaCppIds(String vocab) throws IOException {
        Path gguf = SharedData.require("models/vocab/ggml-vocab-" + vocab + ".gguf");
        List<Case> cases = readCases(gguf);
        LlamaTokenizer tok;
        try (GGUFFile g = GGUFFile.open(gguf)) {
            tok = GGUFTokenizer.load(g);
        }
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            int[] got = tok.encode(c.input(), false, false);
            if (!Arrays.equals(got, c.expected())) {
                failures.add("input " + quote(c.input()) + "\n   expected " + Arrays.toString(c.expected())
                        + "\n   got      " + Arrays.toString(got));
            }
        }
        System.out.println("[vocab " + vocab + "] " + (cases.size() - failures.size()) + "/" + cases.size() + " inputs match llama.cpp");
        assertThat(failures).as(vocab).isEmpty();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp == '\n') sb.append("\\n");
            else if (cp == '\t') sb.append("\\t");
            else if (cp == '\r') sb.append("\\r");
            else if (cp < 0x20) sb.append(String.format("\\x%02x", cp));
            else sb.appendCodePoint(cp);
        });
        return sb.append('"').toString();
    }
}
