package io.tessera.generate.spec;

import io.tessera.TesseraException;
import io.tessera.generate.GenerationResult;
import io.tessera.generate.Generator;
import io.tessera.generate.SamplerConfig;
import io.tessera.model.Model;
import io.tessera.model.RandomModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every speculative mode gives, with greedy settings, exactly the tokens of plain greedy decoding. Seeded random
 * models with peaked distributions: the target Q4_0, a close draft (the same weights in Q8_0, so most drafts are
 * accepted) and an unrelated draft (another seed, so most are rejected).
 */
class SpeculativeGreedyTest {
    static Path dir;
    static Model target, closeDraft, otherDraft;

    @BeforeAll
    static void models() throws IOException {
        dir = Files.createTempDirectory("spec-greedy");
        RandomModel.write(RandomModel.shape("llama", "test"), "Q4_0", 1, null, dir.resolve("t.gguf"));
        RandomModel.write(RandomModel.shape("llama", "test"), "Q8_0", 1, null, dir.resolve("d.gguf"));
        RandomModel.write(RandomModel.shape("llama", "test"), "Q8_0", 2, null, dir.resolve("o.gguf"));
        target = Model.load(dir.resolve("t.gguf"));
        closeDraft = Model.load(dir.resolve("d.gguf"));
        otherDraft = Model.load(dir.resolve("o.gguf"));
    }

    @AfterAll
    static void close() {
        target.close();
        closeDraft.close();
        otherDraft.close();
    }

    static final int[][] PROMPTS = {
            {1, 17, 300, 42, 42, 9, 17, 300, 42},                        // repeats, for lookup
            {1, 5}};

    private static int[] plain(int[] prompt, SamplerConfig sc, int n) {
        try (var s = target.newSession(160, 2)) {
            return new Generator(target).sampler(sc).maxTokens(n).ignoreEos(true).run(s, prompt, t -> true).tokens();
        }
    }

    private static GenerationResult speculative(Speculation spec, int[] prompt, SamplerConfig sc, int n) {
        try (var s = target.newSession(160, 2)) {
            return new Generator(target).sampler(sc).maxTokens(n).ignoreEos(true).speculation(spec).run(s, prompt, t -> true);
        }
    }

    @ParameterizedTest
    @EnumSource(Speculation.Mode.class)
    void greedyOutputIsPlainGreedy(Speculation.Mode mode) {
        for (Model draft : new Model[]{closeDraft, otherDraft}) {
            if (!mode.needsDraft && draft == otherDraft) continue;
            for (int[] prompt : PROMPTS) {
                for (SamplerConfig sc : new SamplerConfig[]{SamplerConfig.greedy(), SamplerConfig.greedy().withPenalties(1.3f, 0.1f, 0.05f, 16)}) {
                    Speculation spec = Speculation.of(mode).draft(draft).selfLayers(0);
                    GenerationResult r = speculative(spec, prompt, sc, 40);
                    assertThat(r.tokens()).as("%s, draft %s", mode, draft.path().getFileName()).containsExactly(plain(prompt, sc, 40));
                    assertThat(r.speculation().emitted()).isGreaterThanOrEqualTo(40);
                }
            }
        }
    }

    @Test
    void aCloseDraftSavesTargetPasses() {
        GenerationResult r = speculative(Speculation.of(Speculation.Mode.DRAFT).draft(closeDraft), PROMPTS[1], SamplerConfig.greedy(), 60);
        assertThat(r.speculation().acceptanceRate()).isGreaterThan(0.4);
        assertThat(r.speculation().meanAcceptedLength()).isGreaterThan(2.0);
    }

    @ParameterizedTest
    @EnumSource(Speculation.Mode.class)
    void stopsAtTheContextEnd(Speculation.Mode mode) {
        for (SamplerConfig sc : new SamplerConfig[]{SamplerConfig.greedy(), SamplerConfig.defaults().withSeed(3)}) {
            try (var s = target.newSession(24, 1)) {
                GenerationResult r = new Generator(target).sampler(sc).maxTokens(100).ignoreEos(true)
                        .speculation(Speculation.of(mode).draft(closeDraft).selfLayers(0)).run(s, PROMPTS[0], t -> true);
                assertThat(r.stopReason()).isEqualTo("context");
                if (sc.isGreedy()) {
                    assertThat(r.tokens()).containsExactly(java.util.Arrays.copyOf(plain(PROMPTS[0], sc, 100), r.tokens().length));
                }
                assertThat(PROMPTS[0].length + r.tokens().length).isBetween(24, 25);
            }
        }
    }

    @Test
    void refusesMissingAndMismatchedDrafts() throws IOException {
        assertThatThrownBy(() -> speculative(Speculation.of(Speculation.Mode.DRAFT), PROMPTS[1], SamplerConfig.greedy(), 4))
                .isInstanceOf(TesseraException.class).hasMessageContaining("--draft");
        Path other = dir.resolve("v.gguf");
        var s = RandomModel.shape("llama", "test");
        RandomModel.write(new RandomModel.Shape(s.arch(), s.dim(), s.layers(), s.heads(), s.kvHeads(), s.headDim(), s.ffn(), 1024,
                s.context(), s.sigma()), "F32", 1, null, other);
        try (Model wrong = Model.load(other)) {
            assertThatThrownBy(() -> speculative(Speculation.of(Speculation.Mode.TREE).draft(wrong), PROMPTS[1], SamplerConfig.greedy(), 4))
                    .isInstanceOf(TesseraException.class).hasMessageContaining("1024 tokens").hasMessageContaining("512");
        }
    }
}
