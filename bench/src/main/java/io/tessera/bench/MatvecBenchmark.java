package io.tessera.bench;

import io.tessera.model.gguf.GGMLType;
import io.tessera.model.tensor.PreparedInput;
import io.tessera.model.tensor.WeightTensor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * Single-threaded matrix-vector product (one decode step of one weight matrix), activations prepared once.
 * Besides the call rate JMH reports the secondary counters {@code weightBytes} (GB/s of weights read, divide by
 * 1e9) and {@code flops} (2 * rows * cols per call). Quick check:
 * {@code java -jar bench/target/benchmarks.jar MatvecBenchmark -f 1 -wi 2 -i 3 -p shape=2048x2048}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class MatvecBenchmark {
    @Param({"Q4_0", "Q8_0", "Q4_K", "Q6_K", "Q5_K", "Q3_K", "Q2_K", "Q4_1", "Q5_0", "Q5_1", "F16", "BF16", "F32"})
    public String type;

    /** rows x cols. */
    @Param({"2048x2048", "5632x2048"})
    public String shape;

    private Arena arena;
    private WeightTensor tensor;
    private PreparedInput input;
    private float[] out;
    long bytesPerCall;
    long flopsPerCall;

    @Setup(Level.Trial)
    public void setUp() {
        int[] s = Weights.shape(shape);
        arena = Arena.ofShared();
        tensor = Weights.tensor(GGMLType.valueOf(type), s[0], s[1], arena);
        input = tensor.prepare(Weights.activations(s[1], 2), 0, tensor.newInput());
        out = new float[s[0]];
        bytesPerCall = GGMLType.valueOf(type).byteSize((long) s[0] * s[1]);
        flopsPerCall = 2L * s[0] * s[1];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Per-iteration counters, reported by JMH as rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Traffic {
        public long weightBytes;
        public long flops;

        @Setup(Level.Iteration)
        public void reset() {
            weightBytes = 0;
            flops = 0;
        }
    }

    @Benchmark
    public float[] matvec(Traffic traffic) {
        tensor.matvec(input, out, 0, 0, out.length);
        traffic.weightBytes += bytesPerCall;
        traffic.flops += flopsPerCall;
        return out;
    }
}
