package io.tessera.model.gguf;

import io.tessera.TesseraException;
import io.tessera.model.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GGUFFileTest {

    @Test
    void readsRealModelMetadataAndTensors() {
        Path p = SharedData.require("models/stories260K-F32.gguf");
        try (GGUFFile f = GGUFFile.open(p)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.getString("general.architecture")).isEqualTo("llama");
            assertThat(f.getInt("llama.embedding_length")).isEqualTo(64);
            assertThat(f.getInt("llama.block_count")).isEqualTo(5);
            assertThat(f.getStringArray("tokenizer.ggml.tokens")).hasSize(512);
            GGUFTensorInfo emb = f.tensor("token_embd.weight");
            assertThat(emb.shape()).containsExactly(64, 512);
            assertThat(emb.type()).isEqualTo(GGMLType.F32);
            assertThat(emb.data().byteSize()).isEqualTo(64L * 512 * 4);
        }
    }

    @Test
    void writerRoundTripsEveryValueTypeAndNestedArrays(@TempDir Path dir) {
        Path out = dir.resolve("t.gguf");
        GGUFValue nested = new GGUFValue(GGUFValueType.ARRAY, GGUFValueType.ARRAY, new GGUFValue[]{
                GGUFValue.of(new int[]{1, 2}), GGUFValue.of(new String[]{"a", "é"})});
        new GGUFWriter()
                .put("u8", new GGUFValue(GGUFValueType.UINT8, null, (byte) 200))
                .put("i8", new GGUFValue(GGUFValueType.INT8, null, (byte) -3))
                .put("u16", new GGUFValue(GGUFValueType.UINT16, null, (short) 60000))
                .put("i16", new GGUFValue(GGUFValueType.INT16, null, (short) -300))
                .put("u32", GGUFValue.ofUInt32(-1))
                .put("i32", GGUFValue.of(-7))
                .put("f32", GGUFValue.of(1.5f))
                .put("bool", GGUFValue.of(true))
                .put("str", GGUFValue.of("héllo"))
                .put("u64", GGUFValue.of(1L << 40))
                .put("i64", new GGUFValue(GGUFValueType.INT64, null, -5L))
                .put("f64", new GGUFValue(GGUFValueType.FLOAT64, null, 2.25))
                .put("floats", GGUFValue.of(new float[]{1f, 2f}))
                .put("nested", nested)
                .put("general.alignment", 64)
                .addTensor("w", new long[]{4, 2}, new float[]{1, 2, 3, 4, 5, 6, 7, 8})
                .addTensor("v", new long[]{3}, new float[]{9, 10, 11})
                .write(out);
        try (GGUFFile f = GGUFFile.open(out)) {
            assertThat(f.get("u8").asLong()).isEqualTo(200);
            assertThat(f.get("i8").asLong()).isEqualTo(-3);
            assertThat(f.get("u16").asLong()).isEqualTo(60000);
            assertThat(f.get("i16").asLong()).isEqualTo(-300);
            assertThat(f.getLong("u32")).isEqualTo(0xFFFFFFFFL);
            assertThat(f.getInt("i32")).isEqualTo(-7);
            assertThat(f.getFloat("f32")).isEqualTo(1.5f);
            assertThat(f.getBoolean("bool", false)).isTrue();
            assertThat(f.getString("str")).isEqualTo("héllo");
            assertThat(f.getLong("u64")).isEqualTo(1L << 40);
            assertThat(f.getLong("i64")).isEqualTo(-5);
            assertThat(f.get("f64").asDouble()).isEqualTo(2.25);
            assertThat(f.getFloatArray("floats")).containsExactly(1f, 2f);
            GGUFValue[] n = (GGUFValue[]) f.get("nested").value();
            assertThat((int[]) n[0].value()).containsExactly(1, 2);
            assertThat((String[]) n[1].value()).containsExactly("a", "é");
            assertThat(f.alignment()).isEqualTo(64);
            assertThat(f.dataOffset() % 64).isZero();
            GGUFTensorInfo v = f.tensor("v");
            assertThat(v.offset() % 64).isZero();
            float[] vals = v.data().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED);
            assertThat(vals).containsExactly(9, 10, 11);
        }
    }

    @Test
    void truncatedFileNamesFileAndOffset(@TempDir Path dir) throws IOException {
        Path src = SharedData.require("models/stories260K-F32.gguf");
        byte[] all = Files.readAllBytes(src);
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(all, 1000));
        assertThatThrownBy(() -> GGUFFile.open(cut)).isInstanceOf(TesseraException.class)
                .hasMessageContaining("cut.gguf").hasMessageContaining("offset");
        Files.write(cut, Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> GGUFFile.open(cut)).isInstanceOf(TesseraException.class)
                .hasMessageContaining("past the end of the file");
    }

    @Test
    void rejectsNonGGUFAndUnknownTensorType(@TempDir Path dir) throws IOException {
        Path junk = dir.resolve("junk.bin");
        Files.writeString(junk, "hello world, not a model");
        assertThatThrownBy(() -> GGUFFile.open(junk)).hasMessageContaining("not a GGUF file");
        assertThatThrownBy(() -> GGUFFile.open(dir.resolve("missing.gguf"))).hasMessageContaining("no such file");

        Path out = dir.resolve("t.gguf");
        new GGUFWriter().addTensor("w", new long[]{2}, new float[]{1, 2}).write(out);
        byte[] b = Files.readAllBytes(out);
        // the tensor type id sits right after name (8+1), n_dims (4), ne[0] (8): corrupt it to 99
        int typeAt = 24 + 8 + 1 + 4 + 8;
        b[typeAt] = 99;
        Files.write(out, b);
        assertThatThrownBy(() -> GGUFFile.open(out)).hasMessageContaining("unknown tensor type 99").hasMessageContaining("offset " + typeAt);
    }
}
