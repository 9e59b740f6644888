package io.tessera.model;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad model files fail with one line naming the file and what is wrong. */
class ModelLoadErrorsTest {

    @Test
    void unknownArchitectureIsNamed(@TempDir Path dir) {
        Path p = dir.resolve("gptj.gguf");
        new GGUFWriter().put("general.architecture", "gptj").addTensor("w", new long[]{2}, new float[]{1, 2}).write(p);
        assertThatThrownBy(() -> Model.load(p)).isInstanceOf(TesseraException.class)
                .hasMessageContaining("gptj.gguf").hasMessageContaining("unsupported architecture").hasMessageContaining("\"gptj\"");
    }

    @Test
    void vocabularyOnlyFileNamesTheMissingKey() {
        Path vocab = SharedData.require("models/vocab/ggml-vocab-llama-spm.gguf");
        assertThatThrownBy(() -> Model.load(vocab)).isInstanceOf(TesseraException.class)
                .hasMessageContaining("ggml-vocab-llama-spm.gguf").hasMessageContaining("missing");
    }

    @Test
    void missingTensorAndWrongShapeAreNamed(@TempDir Path dir) {
        Path full = dir.resolve("m.gguf");
        RandomModel.write(RandomModel.shape("llama", "260K"), "F32", 1, null, full);
        Path broken = dir.resolve("broken.gguf");
        try (GGUFFile f = GGUFFile.open(full)) {
            GGUFWriter w = new GGUFWriter().putAll(f.metadata());
            f.tensors().values().stream().filter(t -> !t.name().equals("blk.3.ffn_up.weight"))
                    .forEach(t -> w.addTensor(t.name(), t.type(), t.shape(), t.data()));
            w.write(broken);
        }
        assertThatThrownBy(() -> Model.load(broken)).hasMessageContaining("broken.gguf").hasMessageContaining("blk.3.ffn_up.weight");

        Path wrong = dir.resolve("wrong.gguf");
        try (GGUFFile f = GGUFFile.open(full)) {
            GGUFWriter w = new GGUFWriter().putAll(f.metadata());
            f.tensors().values().forEach(t -> w.addTensor(t.name(), t.type(),
                    t.name().equals("blk.0.ffn_up.weight") ? new long[]{t.shape()[1], t.shape()[0]} : t.shape(), t.data()));
            w.write(wrong);
        }
        assertThatThrownBy(() -> Model.load(wrong)).hasMessageContaining("wrong.gguf").hasMessageContaining("blk.0.ffn_up.weight")
                .hasMessageContaining("shape");
    }

    @Test
    void promptLongerThanContextIsRefused() {
        Path p = SharedData.require("models/stories260K-F32.gguf");
        try (Model m = Model.load(p); Session s = m.newSession(8, 1)) {
            int[] tokens = new int[9];
            java.util.Arrays.fill(tokens, 1);
            assertThatThrownBy(() -> s.prefill(tokens)).isInstanceOf(TesseraException.class).hasMessageContaining("context");
        }
    }
}
