package io.tessera.bench;

import io.tessera.model.gguf.GGMLType;
import io.tessera.model.tensor.PreparedInput;
import io.tessera.model.tensor.WeightTensor;

import java.lang.foreign.Arena;

/**
 * A quick look without JMH (a few seconds per type): single-threaded 2048x2048 matvec GB/s and GFLOP/s, and the
 * batch-32 matmul speedup over per-token matvec. Arguments: type names (default Q4_0 Q8_0 Q4_K Q6_K F16 F32).
 * Run: java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.tessera.bench.QuickBench
 */
public final class QuickBench {
    public static void main(String[] args) {
        int n = 2048, batch = 32;
        String[] names = args.length > 0 ? args : new String[]{"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F16", "F32"};
        try (Arena arena = Arena.ofConfined()) {
            for (String name : names) {
                GGMLType type = GGMLType.valueOf(name);
                WeightTensor t = Weights.tensor(type, n, n, arena);
                PreparedInput[] xs = new PreparedInput[batch];
                for (int i = 0; i < batch; i++) xs[i] = t.prepare(Weights.activations(n, i), 0, t.newInput());
                float[][] out = new float[batch][n];
                for (int i = 0; i < 2000; i++) t.matvec(xs[i % batch], out[0], 0, 0, n);
                int reps = 300;
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) t.matvec(xs[i % batch], out[0], 0, 0, n);
                double sec = (System.nanoTime() - t0) / 1e9 / reps;
                for (int i = 0; i < 10; i++) t.matmul(xs, batch, out, 0, n);
                int mreps = 10;
                t0 = System.nanoTime();
                for (int i = 0; i < mreps; i++) t.matmul(xs, batch, out, 0, n);
                double msec = (System.nanoTime() - t0) / 1e9 / mreps / batch;
                System.out.printf("%-5s matvec %.3f ms  %5.1f GFLOP/s  %5.1f GB/s   matmul x%d %.3f ms/token  %5.1f GFLOP/s  speedup %.2f%n",
                        name, sec * 1e3, 2.0 * n * n / sec / 1e9, type.byteSize((long) n * n) / sec / 1e9,
                        batch, msec * 1e3, 2.0 * n * n / msec / 1e9, sec / msec);
            }
        }
    }
}
