package io.tessera.generate;

import io.tessera.generate.spec.Speculation;
import io.tessera.model.Model;
import io.tessera.model.Session;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's Java API example, verbatim but for the model path, so that it keeps compiling and running. */
class ReadmeExampleTest {

    @Test
    void readmeJavaExampleRuns() {
        Path path = Path.of("../../shared/models/stories260K-F32.gguf").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.exists(path), "skipped: shared test data not found at " + path);
        StringBuilder streamed = new StringBuilder();

        try (Model model = Model.load(path)) {
            // stream a greedy continuation
            GenerationResult r = new Generator(model)
                    .sampler(SamplerConfig.greedy())                  // or SamplerConfig.defaults().withSeed(42)
                    .maxTokens(64)
                    .generate("Once upon a time", streamed::append); // called with complete UTF-8 text only
            System.err.printf("%.1f tokens/s%n", r.generationTokensPerSecond());
            assertThat(r.text()).isEqualTo(streamed.toString()).startsWith(", there was a little girl named Lily.");

            // tokens and logits directly
            int[] ids = model.tokenizer().encode("Hello world", true, true); // add BOS as the model says, parse special tokens
            try (Session session = model.newSession(2048, 2)) {            // context length, threads
                float[] logits = session.prefill(ids);
                int next = Sampler.argmax(logits);
                logits = session.decode(next);
                assertThat(logits).hasSize(512);
            }

            // speculative decoding with a draft model of the same tokenizer (or LOOKUP / RECYCLE / SELF without one)
            try (Model draft = Model.load(path.resolveSibling("stories260K-F16.gguf"))) {
                GenerationResult s = new Generator(model).sampler(SamplerConfig.greedy()).maxTokens(64)
                        .speculation(Speculation.of(Speculation.Mode.DRAFT).draft(draft))
                        .generate("Once upon a time", text -> {});
                System.err.printf("%.2f tokens per target pass%n", s.speculation().meanAcceptedLength());
                assertThat(s.text()).isEqualTo(r.text());
                assertThat(s.speculation().meanAcceptedLength()).isGreaterThan(2);
            }
        }
    }
}
