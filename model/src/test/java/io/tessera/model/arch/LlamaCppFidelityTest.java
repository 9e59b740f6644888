package io.tessera.model.arch;

import io.tessera.model.Model;
import io.tessera.model.Reference;
import io.tessera.model.Session;
import io.tessera.model.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The forward pass against llama.cpp's own outputs for the shared models (shared/models/reference). */
class LlamaCppFidelityTest {

    @ParameterizedTest(name = "{0} p{1}")
    @CsvSource({
            "stories260K-F32, 0, 2e-3", "stories260K-F32, 1, 2e-3", "stories260K-F32, 2, 2e-3",
            "stories260K-F16, 0, 3e-2", "stories260K-F16, 1, 3e-2", "stories260K-F16, 2, 3e-2",
            "rand-15M-Q8_0, 0, 3e-2", "rand-15M-Q8_0, 1, 3e-2", "rand-15M-Q8_0, 2, 3e-2",
            "rand-15M-Q4_0, 0, 3e-2", "rand-15M-Q4_0, 1, 3e-2", "rand-15M-Q4_0, 2, 3e-2"})
    void top20LogitsAndGreedyContinuationMatchLlamaCpp(String name, int prompt, float tolerance) throws Exception {
        Path gguf = SharedData.require("models/" + name + ".gguf");
        Reference ref = Reference.load(SharedData.require("models/reference/" + name + ".p" + prompt + ".json"));
        try (Model model = Model.load(gguf); Session session = model.newSession(0, 2)) {
            int[] tokens = model.tokenizer().encode(ref.prompt(), true, true);
            assertThat(tokens).as("prompt tokens").containsExactly(ref.promptTokens());

            float[] logits = session.prefill(tokens).clone();
            int[] top20 = IntStream.range(0, ref.logits().length).boxed()
                    .sorted(Comparator.comparingDouble(i -> -ref.logits()[i])).limit(20).mapToInt(i -> i).toArray();
            for (int id : top20) {
                assertThat(logits[id]).as("logit of token %d", id).isCloseTo(ref.logits()[id], within(tolerance));
            }

            int steps = ref.comparableSteps();
            int[] ours = new int[steps];
            float[] l = logits;
            for (int i = 0; i < steps; i++) {
                ours[i] = argmax(l);
                if (i + 1 < steps) l = session.decode(ours[i]);
            }
            assertThat(ours).as("greedy tokens before the first near-tie (step %d of %d)", steps, ref.greedyTokens().length)
                    .containsExactly(Arrays.copyOf(ref.greedyTokens(), steps));
        }
    }

    private static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
        return best;
    }
}
