package io.tessera.bench;

import io.tessera.model.gguf.GGMLType;
import io.tessera.model.tensor.PreparedInput;
import io.tessera.model.tensor.WeightTensor;

import java.lang.foreign.Arena;

/**
 * A quick look without JMH (a few seconds per type): single-threaded 2048x2048 matvec GB/s and GFLOP/s, and the
 * batch-32 matmul speedup over per-token matvec; best of 15 short runs each. Arguments: type names (default Q4_0 Q8_0
 * Q4_K Q6_K F16 F32), optionally first {@code rows=N} for an N x 2048 matrix (e.g. rows=65536: 100-300 MB, streamed
 * from memory rather than cache, as in generation; its 2048x2048 pattern is repeated).
 * Run: java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.tessera.bench.QuickBench
 */
public final class QuickBench {
    public static void main(String[] args) {
        int n = 2048, batch = 32, rows = n;
        if (args.length > 0 && args[0].startsWith("rows=")) {
            rows = Integer.parseInt(args[0].substring(5));
            args = java.util.Arrays.copyOfRange(args, 1, args.length);
        }
        String[] names = args.length > 0 ? args : new String[]{"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F16", "F32"};
        try (Arena arena = Arena.ofConfined()) {
            for (String name : names) {
                GGMLType type = GGMLType.valueOf(name);
                WeightTensor t = Weights.tensor(type, rows, n, arena);
                PreparedInput[] xs = new PreparedInput[batch];
                for (int i = 0; i < batch; i++) xs[i] = t.prepare(Weights.activations(n, i), 0, t.newInput());
                float[][] out = new float[batch][rows];
                for (int i = 0; i < 2000 * n / rows; i++) t.matvec(xs[i % batch], out[0], 0, 0, rows);
                for (int i = 0; i < 20; i++) t.matmul(xs, batch, out, 0, n);
                // best of several short runs: the machine is shared, the minimum is the least disturbed
                double sec = Double.MAX_VALUE, msec = Double.MAX_VALUE;
                for (int run = 0; run < 15; run++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < 30; i++) t.matvec(xs[i % batch], out[0], 0, 0, rows);
                    sec = Math.min(sec, (System.nanoTime() - t0) / 1e9 / 30 * n / rows);
                    t0 = System.nanoTime();
                    t.matmul(xs, batch, out, 0, n);
                    msec = Math.min(msec, (System.nanoTime() - t0) / 1e9 / batch);
                }
                System.out.printf("%-5s matvec %.3f ms  %5.1f GFLOP/s  %5.1f GB/s   matmul x%d %.3f ms/token  %5.1f GFLOP/s  speedup %.2f%n",
                        name, sec * 1e3, 2.0 * n * n / sec / 1e9, type.byteSize((long) n * n) / sec / 1e9,
                        batch, msec * 1e3, 2.0 * n * n / msec / 1e9, sec / msec);
            }
        }
    }
}
