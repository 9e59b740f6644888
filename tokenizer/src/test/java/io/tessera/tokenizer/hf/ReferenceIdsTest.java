package io.tessera.tokenizer.hf;

import io.tessera.tokenizer.Tiktoken;
import io.tessera.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ids identical to Hugging Face tokenizers 0.23 and tiktoken on every shared corpus (references made
 * without special tokens). One class per tokenizer keeps each under the time budget; each reports the
 * per-corpus mismatch counts and the first differing lines.
 */
abstract class ReferenceIdsTest {
    abstract String name();

    abstract Tokenizer load();

    @Test
    void idsMatchTheReferenceOnEveryCorpus() throws Exception {
        Tokenizer tok = load();
        StringBuilder report = new StringBuilder();
        int total = 0;
        for (String corpus : SharedData.CORPORA) {
            List<String> lines = SharedData.corpus(corpus);
            List<int[]> ref = SharedData.referenceIds(name(), corpus);
            StringBuilder ex = new StringBuilder();
            long t0 = System.nanoTime();
            int bad = SharedData.mismatches(lines, ref, l -> tok.encode(l, false, !(tok instanceof Tiktoken)), ex, 3);
            report.append(String.format("%s x %s: %d of %d lines differ (%.1f s)%n", name(), corpus, bad, lines.size(), (System.nanoTime() - t0) / 1e9)).append(ex);
            total += bad;
        }
        System.out.print(report);
        assertThat(total).as(report.toString()).isZero();
    }

    static HFTokenizer hf(String name) {
        return HFTokenizer.load(SharedData.shared("tokenizers/" + name + "/tokenizer.json"));
    }

    static class Llama2 extends ReferenceIdsTest {
        String name() { return "llama2"; }
        Tokenizer load() { return hf(name()); }
    }

    static class Llama3 extends ReferenceIdsTest {
        String name() { return "llama3"; }
        Tokenizer load() { return hf(name()); }
    }

    static class Qwen3 extends ReferenceIdsTest {
        String name() { return "qwen3"; }
        Tokenizer load() { return hf(name()); }
    }

    static class Gemma3 extends ReferenceIdsTest {
        String name() { return "gemma3"; }
        Tokenizer load() { return hf(name()); }
    }

    static class Gpt4o extends ReferenceIdsTest {
        String name() { return "gpt4o"; }
        Tokenizer load() { return hf(name()); }
    }

    static class BertMiniLm extends ReferenceIdsTest {
        String name() { return "bert-minilm"; }
        Tokenizer load() { return hf(name()); }
    }

    static class Cl100k extends ReferenceIdsTest {
        String name() { return "tiktoken-cl100k_base"; }
        Tokenizer load() { return Tiktoken.load(SharedData.shared("tokenizers/" + name() + "/cl100k_base.tiktoken")); }
    }

    static class O200k extends ReferenceIdsTest {
        String name() { return "tiktoken-o200k_base"; }
        Tokenizer load() { return Tiktoken.load(SharedData.shared("tokenizers/" + name() + "/o200k_base.tiktoken")); }
    }
}
