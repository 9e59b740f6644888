package io.tessera.model;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFWriter;
import io.tessera.tokenizer.GgufVocab;
import io.tessera.tokenizer.Tokenizer;
import io.tessera.tokenizer.hf.GgufExport;
import io.tessera.tokenizer.hf.HFTokenizer;
import io.tessera.tokenizer.train.BpeTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A trained (or loaded) byte-level tokenizer exported as GGUF metadata: Tessera's GGUF loader on the
 * exported vocabulary gives the same ids as the tokenizer.json on every line of the shared corpora.
 */
class GGUFTokenizerExportTest {
    private static final List<String> CORPORA = List.of("english", "code", "multilingual", "adversarial");

    private static Tokenizer viaGguf(HFTokenizer hf, Path dir) {
        GgufVocab v = GgufExport.of(hf);
        Path gguf = dir.resolve("vocab.gguf");
        new GGUFWriter().put("general.architecture", "llama").putAll(GGUFTokenizer.metadata(v)).write(gguf);
        try (GGUFFile f = GGUFFile.open(gguf)) {
            return GGUFTokenizer.load(f);
        }
    }

    private static void assertSameIds(HFTokenizer hf, Tokenizer gguf, int stride, String suffix) throws Exception {
        for (String c : CORPORA) {
            List<String> lines = GGUFTokenizerHuggingFaceTest.splitLines(Files.readAllBytes(SharedData.require("corpus/" + c + ".txt")));
            int bad = 0;
            String first = null;
            for (int i = 0; i < lines.size(); i += stride) {
                String text = lines.get(i) + suffix;
                String want = GGUFTokenizerHuggingFaceTest.join(hf.encode(text, false, true));
                String got = GGUFTokenizerHuggingFaceTest.join(gguf.encode(text, false, true));
                if (!want.equals(got) && bad++ == 0) first = c + " line " + (i + 1) + "\n  gguf: " + got + "\n  hf:   " + want;
            }
            assertThat(bad).as("%s: lines with other ids; first: %s", c, first).isZero();
        }
    }

    @Test
    void trainedTokenizerGivesTheSameIdsThroughGguf(@TempDir Path dir) throws Exception {
        List<String> texts = new ArrayList<>();
        for (String c : CORPORA) {
            List<String> lines = GGUFTokenizerHuggingFaceTest.splitLines(Files.readAllBytes(SharedData.require("corpus/" + c + ".txt")));
            texts.add(String.join("\n", lines.subList(0, c.equals("adversarial") ? 100 : 300)) + "\n");
        }
        for (BpeTrainer.Split split : BpeTrainer.Split.values()) {
            HFTokenizer hf = new BpeTrainer().split(split).vocabSize(1500).specialTokens("<|endoftext|>").trainTexts(texts).tokenizer();
            GgufVocab v = GgufExport.of(hf);
            assertThat(v.pre()).isEqualTo(split == BpeTrainer.Split.LLAMA3 ? "llama-bpe" : "gpt-2");
            assertThat(v.tokens()).hasSize(1500);
            assertThat(v.tokenTypes()[0]).isEqualTo(GgufVocab.CONTROL);
            assertThat(v.eos()).isZero();
            assertThat(v.addBos()).isFalse();
            Tokenizer gguf = viaGguf(hf, dir);
            assertThat(gguf.eos()).isZero();
            assertThat(gguf.encode("hi", true, true)).isEqualTo(hf.encode("hi", false, true)); // no BOS added
            assertSameIds(hf, gguf, 10, "<|endoftext|>");
        }
    }

    @Test
    void loadedLlama3GivesTheSameIdsThroughGguf(@TempDir Path dir) throws Exception {
        HFTokenizer hf = HFTokenizer.load(SharedData.require("tokenizers/llama3/tokenizer.json"));
        GgufVocab v = GgufExport.of(hf);
        assertThat(v.pre()).isEqualTo("llama-bpe");
        assertThat(v.bos()).isEqualTo(128000);
        assertThat(v.addBos()).isFalse(); // its post-processor adds nothing
        assertSameIds(hf, viaGguf(hf, dir), 40, ""); // every 40th line: GGUFTokenizerHuggingFaceTest compares all
    }

    @Test
    void refusesWhatLlamaCppCannotReproduce() {
        HFTokenizer bert = HFTokenizer.load(SharedData.require("tokenizers/bert-minilm/tokenizer.json"));
        assertThatThrownBy(() -> GgufExport.of(bert)).isInstanceOf(TesseraException.class).hasMessageContaining("only BPE");
        HFTokenizer qwen = HFTokenizer.load(SharedData.require("tokenizers/qwen3/tokenizer.json"));
        assertThatThrownBy(() -> GgufExport.of(qwen)).isInstanceOf(TesseraException.class).hasMessageContaining("normalizer");
    }
}
