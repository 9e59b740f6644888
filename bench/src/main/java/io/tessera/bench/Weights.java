package io.tessera.bench;

import io.tessera.model.gguf.GGMLType;
import io.tessera.model.gguf.GGUFTensorInfo;
import io.tessera.model.tensor.Quantizer;
import io.tessera.model.tensor.WeightTensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Random weights and activations for the benchmarks, quantized in off-heap memory as a mapped file would be. */
final class Weights {
    private Weights() {}

    /**
     * A {@code rows x cols} tensor of the given type with N(0, 0.02) weights, in a 64-byte-aligned segment; past
     * 2048 rows (a multiple of 2048) the first 2048 rows repeat.
     */
    static WeightTensor tensor(GGMLType type, int rows, int cols, Arena arena) {
        int patternRows = rows > 2048 && rows % 2048 == 0 ? 2048 : rows;
        Random rnd = new Random(1);
        float[] w = new float[patternRows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.02f;
        byte[] bytes = Quantizer.quantize(type, w);
        MemorySegment seg = arena.allocate((long) bytes.length * (rows / patternRows), 64);
        for (long off = 0; off < seg.byteSize(); off += bytes.length) {
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, off, bytes.length);
        }
        return WeightTensor.of(new GGUFTensorInfo("w", new long[]{cols, rows}, type, 0, seg));
    }

    static float[] activations(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    /** "ROWSxCOLS" to {rows, cols}. */
    static int[] shape(String s) {
        String[] p = s.split("x");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }
}
