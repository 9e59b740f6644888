package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import io.tessera.model.gguf.GGUFTensorInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Single-threaded matvec speed on a 2048x2048 matrix (a main, not a test): prints GFLOP/s and weight GB/s. */
public final class MatvecBench {
    public static void main(String[] args) {
        int n = 2048;
        String[] names = args.length > 0 ? args : new String[]{"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F16"};
        Random rnd = new Random(1);
        float[] w = new float[n * n];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.02f;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        for (String name : names) {
            GGMLType type = GGMLType.valueOf(name);
            byte[] bytes = Quantizer.quantize(type, w);
            MemorySegment seg = Arena.global().allocate(bytes.length, 64);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
            WeightTensor t = Tensors.of(new GGUFTensorInfo("w", new long[]{n, n}, type, 0, seg));
            PreparedInput in = t.prepare(x, 0, t.newInput());
            float[] out = new float[n];
            for (int i = 0; i < 200; i++) t.matvec(in, out, 0, 0, n);
            int reps = 300;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) t.matvec(in, out, 0, 0, n);
            double sec = (System.nanoTime() - t0) / 1e9 / reps;
            System.out.printf("%-5s %.3f ms  %.1f GFLOP/s  %.1f GB/s%n", name, sec * 1e3, 2.0 * n * n / sec / 1e9, bytes.length / sec / 1e9);
        }
    }
}
