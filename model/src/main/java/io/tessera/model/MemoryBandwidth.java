package io.tessera.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Measures this machine's memory read bandwidth the way decoding uses it: the given threads each stream
 * their share of a buffer much larger than the caches, summing it with the Vector API.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private MemoryBandwidth() {}

    /** Read bandwidth in GB/s (1e9 bytes) of each repetition, over a buffer of {@code bytes}. */
    public static double[] measure(long bytes, int threads, int repetitions) {
        long floats = bytes / 4 / S.length() * S.length();
        double[] gbps = new double[repetitions];
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(threads)) {
            MemorySegment seg = arena.allocate(floats * 4, 64);
            seg.fill((byte) 1);
            float[] sink = new float[threads];
            int chunks = threads * 64;
            long perChunk = floats / chunks / S.length() * S.length();
            for (int r = -2; r < repetitions; r++) { // two untimed passes warm up the JIT
                long t0 = System.nanoTime();
                parallel.forRange(chunks, (from, to) -> {
                    FloatVector acc = FloatVector.zero(S);
                    for (int c = from; c < to; c++) {
                        long start = c * perChunk * 4, end = start + perChunk * 4;
                        for (long o = start; o < end; o += (long) S.vectorByteSize()) {
                            acc = acc.add(FloatVector.fromMemorySegment(S, seg, o, ByteOrder.LITTLE_ENDIAN));
                        }
                    }
                    sink[from * threads / chunks] += acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
                });
                long t1 = System.nanoTime();
                if (r >= 0) gbps[r] = perChunk * chunks * 4.0 / (t1 - t0);
            }
            if (Float.isNaN(sink[0])) throw new IllegalStateException(); // keeps the sums alive
        }
        return gbps;
    }
}
