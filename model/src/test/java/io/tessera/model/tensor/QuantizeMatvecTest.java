package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Quantizer round trips, and matvec against plain double loops over independently quantized activations. */
class QuantizeMatvecTest {
    static final int ROWS = 6, COLS = 512;

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void roundTripAndMatvec(GGMLType type) {
        Random rnd = new Random(type.ordinal());
        float[] w = new float[ROWS * COLS];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.02f;
        byte[] bytes = Quantizer.quantize(type, w);
        assertThat(bytes).hasSize((int) type.byteSize(w.length));
        WeightTensor t = Tensors.of(new io.tessera.model.gguf.GGUFTensorInfo("w", new long[]{COLS, ROWS}, type, 0,
                MemorySegment.ofArray(bytes)));

        float[] deq = new float[ROWS * COLS];
        for (int r = 0; r < ROWS; r++) t.dequantizeRow(r, deq, r * COLS);
        double err = 0, ref = 0;
        for (int i = 0; i < w.length; i++) { err += sq(deq[i] - w[i]); ref += sq(w[i]); }
        assertThat(Math.sqrt(err / ref)).as("relative rms error of %s", type).isLessThan(maxRelativeRms(type));

        float[] x = new float[COLS + 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 7 == 0 ? 3 : 1);
        PreparedInput in = t.prepare(x, 3, t.newInput());
        float[] out = new float[ROWS + 2];
        t.matvec(in, out, 2, 1, ROWS);
        double[] y = ActivationReference.dequantized(type, x, 3, COLS);
        for (int r = 1; r < ROWS; r++) {
            double dot = 0, mag = 0;
            for (int c = 0; c < COLS; c++) { dot += (double) deq[r * COLS + c] * y[c]; mag += Math.abs(deq[r * COLS + c] * y[c]); }
            dot += ActivationReference.offsetCorrection(type, bytes, r, x, 3, COLS);
            assertThat((double) out[2 + r]).as("row %d of %s", r, type).isCloseTo(dot, org.assertj.core.data.Offset.offset(2e-6 * mag + 1e-9));
        }
        assertThat(out[0]).isZero();
        assertThat(out[2]).isZero();
    }

    private static double sq(double v) { return v * v; }

    private static double maxRelativeRms(GGMLType t) {
        return switch (t) {
            case F32 -> 1e-9;
            case F16 -> 1e-3;
            case BF16 -> 5e-3;
            case Q8_0 -> 0.01;
            case Q6_K -> 0.03;
            case Q5_0, Q5_1, Q5_K -> 0.06;
            case Q4_0, Q4_1, Q4_K -> 0.12;
            case Q3_K -> 0.25;
            case Q2_K -> 0.45;
            default -> throw new IllegalArgumentException();
        };
    }
}
