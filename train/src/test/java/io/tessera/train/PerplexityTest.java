package io.tessera.train;

import io.tessera.model.Model;
import io.tessera.model.RandomModel;
import io.tessera.model.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Perplexity's batched scoring gives exactly the negative log-likelihood of scoring token by token with decode. */
class PerplexityTest {

    @Test
    void batchedScoringEqualsTokenByToken(@TempDir Path dir) {
        Path gguf = dir.resolve("m.gguf");
        RandomModel.write(RandomModel.shape("llama", "test"), "Q8_0", 4, null, gguf);
        int[] ids = new SplittableRandom(9).ints(300, 0, 512).toArray();
        int window = 130; // windows of 130 overlapping by one: 3 windows, the last one short
        try (Model m = Model.load(gguf)) {
            Perplexity.Result r = Perplexity.of(m, ids, window, 2);
            double nats = 0;
            long scored = 0;
            try (Session s = m.newSession(window, 1)) {
                for (int start = 0; start + 1 < ids.length; start += window - 1) {
                    s.rewind(0);
                    for (int i = start; i + 1 < Math.min(ids.length, start + window); i++) {
                        float[] logits = s.decode(ids[i]);
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        for (float v : logits) max = Math.max(max, v);
                        for (float v : logits) sum += Math.exp(v - max);
                        nats += max + Math.log(sum) - logits[ids[i + 1]];
                        scored++;
                    }
                }
            }
            assertThat(r.tokens()).isEqualTo(scored).isEqualTo(299);
            assertThat(r.nats()).isCloseTo(nats, org.assertj.core.data.Offset.offset(1e-9 * nats));
        }
    }
}
