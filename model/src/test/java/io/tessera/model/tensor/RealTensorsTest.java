package io.tessera.model.tensor;

import io.tessera.TesseraException;
import io.tessera.model.SharedData;
import io.tessera.model.gguf.GGMLType;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFTensorInfo;
import io.tessera.model.gguf.GGUFWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tensors of the shared models, and GGUF files written with the quantizer and read back. */
class RealTensorsTest {

    private static float[] all(WeightTensor t) {
        float[] v = new float[t.rows() * t.cols()];
        for (int r = 0; r < t.rows(); r++) t.dequantizeRow(r, v, r * t.cols());
        return v;
    }

    @Test
    void q4_0AndQ8_0OfTheSameRandomModelAgreeAndAreNormal002() {
        try (GGUFFile q4 = GGUFFile.open(SharedData.require("models/rand-15M-Q4_0.gguf"));
             GGUFFile q8 = GGUFFile.open(SharedData.require("models/rand-15M-Q8_0.gguf"))) {
            WeightTensor a = WeightTensor.of(q4.tensor("blk.0.ffn_down.weight"));
            WeightTensor b = WeightTensor.of(q8.tensor("blk.0.ffn_down.weight"));
            assertThat(a.type()).isEqualTo(GGMLType.Q4_0);
            assertThat(b.type()).isEqualTo(GGMLType.Q8_0);
            assertThat(a.cols()).isEqualTo(768);
            assertThat(a.rows()).isEqualTo(288);
            float[] x = all(a), y = all(b);
            double diff = 0, sum = 0, sq = 0;
            for (int i = 0; i < x.length; i++) { diff += (x[i] - y[i]) * (double) (x[i] - y[i]); sum += y[i]; sq += (double) y[i] * y[i]; }
            double mean = sum / y.length, std = Math.sqrt(sq / y.length - mean * mean);
            assertThat(std).isBetween(0.019, 0.021);
            assertThat(Math.abs(mean)).isLessThan(0.001);
            // Q4_0's rms error for Gaussian blocks of 32 is about 8-9% of the std
            assertThat(Math.sqrt(diff / x.length) / std).isBetween(0.03, 0.15);
            assertThat(WeightTensor.of(q4.tensor("token_embd.weight")).type()).isEqualTo(GGMLType.Q8_0);
        }
    }

    @Test
    void matvecOnRealQ4_0MatchesDoubleLoop() {
        try (GGUFFile f = GGUFFile.open(SharedData.require("models/rand-15M-Q4_0.gguf"))) {
            WeightTensor t = WeightTensor.of(f.tensor("blk.1.attn_q.weight"));
            float[] w = all(t);
            Random rnd = new Random(1);
            float[] x = new float[t.cols()];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] out = new float[t.rows()];
            t.matvec(t.prepare(x, 0, t.newInput()), out, 0, 0, t.rows());
            double[] y = ActivationReference.dequantized(t.type(), x, 0, x.length);
            for (int r = 0; r < t.rows(); r++) {
                double dot = 0, mag = 0;
                for (int c = 0; c < t.cols(); c++) { dot += w[r * t.cols() + c] * y[c]; mag += Math.abs(w[r * t.cols() + c] * y[c]); }
                assertThat((double) out[r]).isCloseTo(dot, org.assertj.core.data.Offset.offset(2e-6 * mag));
            }
        }
    }

    @Test
    void storiesF16AgreesWithF32WithinFp16Rounding() {
        try (GGUFFile f32 = GGUFFile.open(SharedData.require("models/stories260K-F32.gguf"));
             GGUFFile f16 = GGUFFile.open(SharedData.require("models/stories260K-F16.gguf"))) {
            for (String name : new String[]{"blk.0.attn_q.weight", "blk.4.ffn_down.weight", "blk.2.ffn_up.weight"}) {
                WeightTensor a = WeightTensor.of(f32.tensor(name)), b = WeightTensor.of(f16.tensor(name));
                assertThat(b.type()).isEqualTo(GGMLType.F16);
                float[] x = all(a), y = all(b);
                for (int i = 0; i < x.length; i++) assertThat(y[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(x[i])));
                float[] in = new float[a.cols()];
                for (int i = 0; i < in.length; i++) in[i] = (float) Math.sin(i * 0.37);
                float[] oa = new float[a.rows()], ob = new float[b.rows()];
                a.matvec(a.prepare(in, 0, a.newInput()), oa, 0, 0, a.rows());
                b.matvec(b.prepare(in, 0, b.newInput()), ob, 0, 0, b.rows());
                for (int r = 0; r < oa.length; r++) assertThat(ob[r]).isCloseTo(oa[r], org.assertj.core.data.Offset.offset(2e-3f * (1 + Math.abs(oa[r]))));
            }
        }
    }

    @Test
    void quantizedGgufWrittenAndReadBack(@TempDir Path dir) {
        GGMLType[] types = {GGMLType.BF16, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1, GGMLType.Q2_K,
                GGMLType.Q3_K, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K};
        Random rnd = new Random(7);
        float[] w = new float[4 * 256];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.02f;
        GGUFWriter out = new GGUFWriter().put("general.architecture", "test");
        for (GGMLType t : types) out.addTensor("w." + t, t, new long[]{256, 4}, Quantizer.quantize(t, w));
        Path p = dir.resolve("q.gguf");
        out.write(p);
        try (GGUFFile f = GGUFFile.open(p)) {
            float[] x = new float[256];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            for (GGMLType t : types) {
                GGUFTensorInfo info = f.tensor("w." + t);
                WeightTensor fromFile = WeightTensor.of(info);
                WeightTensor inMemory = Tensors.of(new GGUFTensorInfo("m", new long[]{256, 4}, t, 0,
                        MemorySegment.ofArray(Quantizer.quantize(t, w))));
                assertThat(fromFile.type()).isEqualTo(t);
                assertThat(all(fromFile)).containsExactly(all(inMemory));
                float[] o1 = new float[4], o2 = new float[4];
                fromFile.matvec(fromFile.prepare(x, 0, fromFile.newInput()), o1, 0, 0, 4);
                inMemory.matvec(inMemory.prepare(x, 0, inMemory.newInput()), o2, 0, 0, 4);
                assertThat(o1).containsExactly(o2);
            }
        }
    }

    @Test
    void unsupportedTypeIsNamed() {
        GGUFTensorInfo info = new GGUFTensorInfo("blk.0.odd", new long[]{256, 1}, GGMLType.IQ2_XXS, 0,
                MemorySegment.ofArray(new byte[66]));
        assertThatThrownBy(() -> WeightTensor.of(info)).isInstanceOf(TesseraException.class)
                .hasMessageContaining("blk.0.odd").hasMessageContaining("IQ2_XXS");
    }
}
