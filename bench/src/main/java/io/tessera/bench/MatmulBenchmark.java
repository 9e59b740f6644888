package io.tessera.bench;

import io.tessera.model.gguf.GGMLType;
import io.tessera.model.tensor.PreparedInput;
import io.tessera.model.tensor.WeightTensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 * Single-threaded prompt-processing product of one weight matrix with a batch of 32 prepared tokens: the batched
 * {@code matmul} against one {@code matvec} per token. Scores are tokens per second (one operation = one token),
 * so their ratio is the speedup of the batched kernel. Quick check:
 * {@code java -jar bench/target/benchmarks.jar MatmulBenchmark -f 1 -wi 2 -i 3 -p shape=2048x2048}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class MatmulBenchmark {
    static final int BATCH = 32;

    @Param({"Q4_0", "Q8_0", "Q4_K", "Q6_K", "F16", "F32"})
    public String type;

    /** rows x cols. */
    @Param({"2048x2048", "5632x2048"})
    public String shape;

    private Arena arena;
    private WeightTensor tensor;
    private PreparedInput[] inputs;
    private float[][] out;

    @Setup(Level.Trial)
    public void setUp() {
        int[] s = Weights.shape(shape);
        arena = Arena.ofShared();
        tensor = Weights.tensor(GGMLType.valueOf(type), s[0], s[1], arena);
        inputs = new PreparedInput[BATCH];
        for (int t = 0; t < BATCH; t++) inputs[t] = tensor.prepare(Weights.activations(s[1], 10 + t), 0, tensor.newInput());
        out = new float[BATCH][s[0]];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public float[][] matmul() {
        tensor.matmul(inputs, BATCH, out, 0, tensor.rows());
        return out;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public float[][] matvecPerToken() {
        for (int t = 0; t < BATCH; t++) tensor.matvec(inputs[t], out[t], 0, 0, tensor.rows());
        return out;
    }
}
