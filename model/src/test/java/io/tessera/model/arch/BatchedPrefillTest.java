package io.tessera.model.arch;

import io.tessera.model.Model;
import io.tessera.model.RandomModel;
import io.tessera.model.Session;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Batched prompt processing gives bit for bit the logits of feeding the same tokens one at a time. */
class BatchedPrefillTest {

    @ParameterizedTest
    @CsvSource({"llama, F32", "llama, Q4_0", "llama, Q8_0", "llama, Q4_K_M", "llama, Q6_K", "qwen2, F16", "qwen3, Q5_K_M", "qwen3, Q4_1"})
    void batchedPrefillEqualsTokenByToken(String arch, String type, @TempDir Path dir) {
        Path gguf = dir.resolve("m.gguf");
        RandomModel.write(RandomModel.shape(arch, "test"), type, 3, null, gguf);
        int[] tokens = new SplittableRandom(5).ints(Transformer.BATCH + 9, 0, 512).toArray();
        try (Model m = Model.load(gguf); Session batched = m.newSession(128, 2); Session single = m.newSession(128, 2)) {
            float[] a = batched.prefill(tokens).clone();
            float[] b = null;
            for (int t : tokens) b = single.decode(t);
            assertThat(a).containsExactly(b);
            // and the caches agree: the next step gives the same logits
            assertThat(batched.decode(7)).containsExactly(single.decode(7));
        }
    }
}
