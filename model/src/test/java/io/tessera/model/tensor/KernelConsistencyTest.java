package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import io.tessera.model.gguf.GGUFTensorInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The multi-row matvec kernels and the batched matmul give bit for bit what the single-row dot gives
 * (a one-row matvec), for every row position, range split and token.
 */
class KernelConsistencyTest {
    static final int ROWS = 37;

    static WeightTensor tensor(GGMLType type, int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * (i % 13 == 0 ? 0.1f : 0.02f);
        byte[] bytes = Quantizer.quantize(type, w);
        return Tensors.of(new GGUFTensorInfo("w", new long[]{cols, rows}, type, 0, MemorySegment.ofArray(bytes)));
    }

    static float[] activations(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian() * (i % 7 == 0 ? 3 : 1);
        return x;
    }

    static float[] singleRows(WeightTensor t, PreparedInput in) {
        float[] ref = new float[t.rows()];
        for (int r = 0; r < t.rows(); r++) t.matvec(in, ref, 0, r, r + 1);
        return ref;
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matvecRangesEqualSingleRows(GGMLType type) {
        int cols = type.blockSize == 256 ? 768 : 320;
        WeightTensor t = tensor(type, ROWS, cols, type.ordinal());
        Random rnd = new Random(7);
        PreparedInput in = t.prepare(activations(rnd, cols), 0, t.newInput());
        float[] ref = singleRows(t, in);
        for (int[] range : new int[][]{{0, ROWS}, {1, ROWS}, {3, 20}, {5, 13}, {0, 8}, {9, 10}}) {
            float[] out = new float[ROWS + 5];
            t.matvec(in, out, 5, range[0], range[1]);
            for (int r = range[0]; r < range[1]; r++) {
                assertThat(out[5 + r]).as("%s row %d of range %d..%d", type, r, range[0], range[1]).isEqualTo(ref[r]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void matmulEqualsMatvecPerToken(GGMLType type) {
        int cols = type.blockSize == 256 ? 512 : 256;
        WeightTensor t = tensor(type, ROWS, cols, 100 + type.ordinal());
        Random rnd = new Random(11);
        for (int count : new int[]{1, 2, 3, 4, 6, 8, 9, 13, 19}) {
            PreparedInput[] xs = new PreparedInput[count + 2];
            float[][] ref = new float[count][];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = t.prepare(activations(rnd, cols), 0, t.newInput());
                if (i < count) ref[i] = singleRows(t, xs[i]);
            }
            for (int[] range : new int[][]{{0, ROWS}, {2, 31}, {6, 7}}) {
                float[][] out = new float[count + 2][ROWS];
                t.matmul(xs, count, out, range[0], range[1]);
                for (int i = 0; i < count; i++) {
                    for (int r = 0; r < ROWS; r++) {
                        float expected = r >= range[0] && r < range[1] ? ref[i][r] : 0f;
                        assertThat(out[i][r]).as("%s token %d/%d row %d, rows %d..%d", type, i, count, r, range[0], range[1])
                                .isEqualTo(expected);
                    }
                }
                assertThat(out[count]).containsOnly(0f);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void kQuantKernelsEqualTheReferenceKernels(GGMLType type) {
        int rows = 19, cols = 2048;
        Random rnd = new Random(type.ordinal());
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * (i % 29 == 0 ? 0.2f : 0.02f) + (i % 512 < 64 ? 0.01f : 0);
        MemorySegment seg = MemorySegment.ofArray(Quantizer.quantize(type, w));
        WeightTensor t = Tensors.of(new GGUFTensorInfo("w", new long[]{cols, rows}, type, 0, seg));
        long rowBytes = type.byteSize(cols);
        for (int trial = 0; trial < 3; trial++) {
            float[] x = activations(rnd, cols);
            if (trial == 2) for (int i = 0; i < cols; i += 256) x[i] = 1000;   // saturated Q8_K blocks
            Q8KInput in = (Q8KInput) t.prepare(x, 0, t.newInput());
            float[] out = new float[rows];
            t.matvec(in, out, 0, 0, rows);
            for (int r = 0; r < rows; r++) {
                long o = r * rowBytes;
                float expected = switch (type) {
                    case Q2_K -> LegacyDots.q2k(seg, o, cols / 256, in);
                    case Q3_K -> LegacyDots.q3k(seg, o, cols / 256, in);
                    case Q4_K -> LegacyDots.q4k(seg, o, cols / 256, in);
                    case Q5_K -> LegacyDots.q5k(seg, o, cols / 256, in);
                    default -> LegacyDots.q6k(seg, o, cols / 256, in);
                };
                assertThat(out[r]).as("%s row %d trial %d", type, r, trial).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q4_1", "Q5_0", "Q5_1"})
    void nibbleKernelsEqualTheReferenceKernel(GGMLType type) {
        int rows = 11, cols = 1024;
        Random rnd = new Random(type.ordinal());
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * (i % 29 == 0 ? 0.2f : 0.02f) + (i % 96 < 32 ? 0.03f : 0);
        MemorySegment seg = MemorySegment.ofArray(Quantizer.quantize(type, w));
        WeightTensor t = Tensors.of(new GGUFTensorInfo("w", new long[]{cols, rows}, type, 0, seg));
        boolean min = type != GGMLType.Q5_0, high = type != GGMLType.Q4_1;
        for (int trial = 0; trial < 3; trial++) {
            float[] x = activations(rnd, cols);
            if (trial == 2) for (int i = 0; i < cols; i += 32) x[i] = 1000;
            Q8Input in = (Q8Input) t.prepare(x, 0, t.newInput());
            float[] out = new float[rows];
            t.matvec(in, out, 0, 0, rows);
            for (int r = 0; r < rows; r++) {
                float expected = LegacyDots.nibble(seg, r * type.byteSize(cols), cols / 32, (int) type.typeSize, min, high, in);
                assertThat(out[r]).as("%s row %d trial %d", type, r, trial).isEqualTo(expected);
            }
        }
    }

    /**
     * The interleaved copies (groups of 32 rows, see Interleaved) over several groups, a partial last group and ranges
     * that start and end inside groups, against the single-row dot on the file's layout (and, for the K-quants, ggml's
     * kernels as LegacyDots writes them); the last trials put 16-bit partial sums at their extremes (Q4_0:
     * +-8 * 127 * 32, Q4_K: about 15 * 127 * 16, Q6_K: about 63 * 127 * 4) with blocks of all-equal weights and
     * saturated activations.
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q4_0", "Q4_K", "Q6_K"})
    void interleavedGroupsEqualSingleRows(GGMLType type) {
        int rows = 100, cols = type == GGMLType.Q4_0 ? 320 : 512;
        Random rnd = new Random(5);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * (i % 13 == 0 ? 0.1f : 0.02f);
        for (int r = 0; r < rows; r += 3) java.util.Arrays.fill(w, r * cols, r * cols + 32, r % 2 == 0 ? -1f : 1f);
        byte[] bytes = Quantizer.quantize(type, w);
        MemorySegment seg = MemorySegment.ofArray(bytes);
        WeightTensor t = Tensors.of(new GGUFTensorInfo("w", new long[]{cols, rows}, type, 0, seg));
        for (int trial = 0; trial < 3; trial++) {
            float[] x = activations(rnd, cols);
            if (trial > 0) java.util.Arrays.fill(x, 0, 32, trial == 1 ? -1000f : 1000f);
            PreparedInput in = t.prepare(x, 0, t.newInput());
            float[] ref = singleRows(t, in);
            if (type != GGMLType.Q4_0) {
                for (int r = 0; r < rows; r++) {
                    long o = r * type.byteSize(cols);
                    Q8KInput k = (Q8KInput) in;
                    assertThat(ref[r]).isEqualTo(type == GGMLType.Q6_K ? LegacyDots.q6k(seg, o, cols / 256, k) : LegacyDots.q4k(seg, o, cols / 256, k));
                }
            }
            for (int[] range : new int[][]{{0, rows}, {1, rows}, {32, 64}, {5, 70}, {30, 97}, {96, 100}, {0, 50}, {50, 100}}) {
                float[] out = new float[rows];
                t.matvec(in, out, 0, range[0], range[1]);
                for (int r = range[0]; r < range[1]; r++) {
                    assertThat(out[r]).as("%s row %d of range %d..%d, trial %d", type, r, range[0], range[1], trial).isEqualTo(ref[r]);
                }
            }
            PreparedInput[] xs = {in, t.prepare(activations(rnd, cols), 0, t.newInput()), t.prepare(activations(rnd, cols), 0, t.newInput()),
                    t.prepare(activations(rnd, cols), 0, t.newInput()), t.prepare(activations(rnd, cols), 0, t.newInput())};
            float[][] outs = new float[xs.length][rows];
            t.matmul(xs, xs.length, outs, 0, rows);
            for (int k = 0; k < xs.length; k++) assertThat(outs[k]).as("%s token %d of a batch", type, k).containsExactly(singleRows(t, xs[k]));
        }
    }
}
