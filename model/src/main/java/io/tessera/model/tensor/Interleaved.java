package io.tessera.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * A matrix's rows repacked in groups of 32 ({@link InterleavedQ4_0}, {@link InterleavedQ4K}, {@link InterleavedQ6K}),
 * and what those copies share: one 16-bit vector lane per row, the species for that, the repacking scaffold and two
 * conversions.
 *
 * <p>Why interleave: the file's layouts put one row's values in a vector, so every block of every row ends in a
 * horizontal sum (ggml uses the 8-bit dot-product instructions, which the Vector API lacks). With lanes holding rows,
 * one vector operation advances 32 rows (16 on AVX2) and the row sums come out of the lanes with no reduction.
 */
abstract class Interleaved {
    static final int ROWS = 32;

    /** The repacked blocks, group after group. */
    final MemorySegment packed;
    final int blocksPerRow;
    /** Rows covered: the tensor's rows rounded down to a multiple of 32. */
    private final int rows;

    Interleaved(MemorySegment packed, int rows, int blocksPerRow) {
        this.packed = packed;
        this.rows = rows;
        this.blocksPerRow = blocksPerRow;
    }

    /** A row count rounded down to whole groups, at least one (chunks of rows for the batched products). */
    static int wholeGroups(int rows) {
        return Math.max(ROWS, rows / ROWS * ROWS);
    }

    /** Whether to make a copy for a matrix of {@code rows} rows: memory given, a whole group, vectors wide enough. */
    static boolean worthwhile(SegmentAllocator alloc, int rows) {
        return alloc != null && rows >= ROWS && supported();
    }

    /** The first whole group at or after row {@code rowFrom}. */
    static int groupFrom(int rowFrom) {
        return (rowFrom + ROWS - 1) / ROWS;
    }

    /** The end of the whole groups before row {@code rowTo} that the copy covers. */
    public int groupTo(int rowTo) {
        return Math.min(rowTo, rows) / ROWS;
    }

    /** 16-bit lanes per vector: 32 on AVX-512 (a whole group), 16 on AVX2 (two halves of a group). */
    static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            ? ShortVector.SPECIES_512 : ShortVector.SPECIES_256;
    static final int L = S.length();
    /** L bytes (extended to S), L / 2 shorts. */
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(S.vectorBitSize() / 2));
    static final VectorSpecies<Short> HALF_S = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(S.vectorBitSize() / 2));
    /** L / 2 ints or floats. */
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(S.vectorShape());
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(S.vectorShape());

    /** Whether this CPU has the 256-bit vectors the kernels need (otherwise weights stay in the file's layout). */
    static boolean supported() {
        return ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    /**
     * Allocates {@code groups * groupBytes} from {@code alloc} and runs {@code repackGroup} for every group (in parallel
     * when both segments may be used from other threads), a slice of about 8 MB of {@code data} at a time, releasing
     * each slice's mapped pages once repacked ({@link MemorySegment#unload}): the copy replaces them in the resident
     * set, and at most a slice of a tensor is resident twice.
     */
    static MemorySegment repack(MemorySegment data, long dataBytes, int groups, long groupBytes, SegmentAllocator alloc,
                                java.util.function.Function<MemorySegment, IntConsumer> repackGroup) {
        MemorySegment packed = alloc.allocate(groups * groupBytes, 64);
        if (groups == 0) return packed;
        IntConsumer group = repackGroup.apply(packed);
        boolean parallel = groups > 1 && data.isAccessibleBy(SOME_OTHER_THREAD) && packed.isAccessibleBy(SOME_OTHER_THREAD);
        long sourceBytes = dataBytes / groups;
        int slice = (int) Math.max(1, (8L << 20) / sourceBytes);
        for (int from = 0; from < groups; from += slice) {
            int to = Math.min(groups, from + slice);
            IntStream range = IntStream.range(from, to);
            (parallel ? range.parallel() : range).forEach(group);
            if (data.isMapped()) data.asSlice(from * sourceBytes, (to - from) * sourceBytes).unload();
        }
        return packed;
    }

    /** A thread that owns no segment: a segment it may access is shared. */
    private static final Thread SOME_OTHER_THREAD = Thread.ofVirtual().unstarted(() -> {});

    /**
     * The 8 x 8 bytes at {@code from + i * fromStride + k} (i, k < 8) to {@code to + k * toStride + i}: three rounds of
     * byte, 16-bit and 32-bit swaps between eight longs.
     */
    static void transpose8x8(MemorySegment from, long fromOff, long fromStride, MemorySegment to, long toOff, long toStride) {
        transpose8x8(from, fromOff, fromStride, to, toOff, toOff + 4 * toStride, toStride);
    }

    /** {@link #transpose8x8}, bytes k >= 4 going to {@code toHighOff + (k - 4) * toStride + i} instead. */
    static void transpose8x8(MemorySegment from, long fromOff, long fromStride, MemorySegment to, long toOff, long toHighOff, long toStride) {
        long x0 = from.get(Fp.LONG, fromOff), x1 = from.get(Fp.LONG, fromOff + fromStride);
        long x2 = from.get(Fp.LONG, fromOff + 2 * fromStride), x3 = from.get(Fp.LONG, fromOff + 3 * fromStride);
        long x4 = from.get(Fp.LONG, fromOff + 4 * fromStride), x5 = from.get(Fp.LONG, fromOff + 5 * fromStride);
        long x6 = from.get(Fp.LONG, fromOff + 6 * fromStride), x7 = from.get(Fp.LONG, fromOff + 7 * fromStride);
        long t, m = 0x00FF00FF00FF00FFL;
        t = ((x0 >>> 8) ^ x1) & m; x1 ^= t; x0 ^= t << 8;
        t = ((x2 >>> 8) ^ x3) & m; x3 ^= t; x2 ^= t << 8;
        t = ((x4 >>> 8) ^ x5) & m; x5 ^= t; x4 ^= t << 8;
        t = ((x6 >>> 8) ^ x7) & m; x7 ^= t; x6 ^= t << 8;
        m = 0x0000FFFF0000FFFFL;
        t = ((x0 >>> 16) ^ x2) & m; x2 ^= t; x0 ^= t << 16;
        t = ((x1 >>> 16) ^ x3) & m; x3 ^= t; x1 ^= t << 16;
        t = ((x4 >>> 16) ^ x6) & m; x6 ^= t; x4 ^= t << 16;
        t = ((x5 >>> 16) ^ x7) & m; x7 ^= t; x5 ^= t << 16;
        m = 0x00000000FFFFFFFFL;
        t = ((x0 >>> 32) ^ x4) & m; x4 ^= t; x0 ^= t << 32;
        t = ((x1 >>> 32) ^ x5) & m; x5 ^= t; x1 ^= t << 32;
        t = ((x2 >>> 32) ^ x6) & m; x6 ^= t; x2 ^= t << 32;
        t = ((x3 >>> 32) ^ x7) & m; x7 ^= t; x3 ^= t << 32;
        to.set(Fp.LONG, toOff, x0);
        to.set(Fp.LONG, toOff + toStride, x1);
        to.set(Fp.LONG, toOff + 2 * toStride, x2);
        to.set(Fp.LONG, toOff + 3 * toStride, x3);
        to.set(Fp.LONG, toHighOff, x4);
        to.set(Fp.LONG, toHighOff + toStride, x5);
        to.set(Fp.LONG, toHighOff + 2 * toStride, x6);
        to.set(Fp.LONG, toHighOff + 3 * toStride, x7);
    }

    /** L / 2 fp16 values at {@code off}, exactly converted (as {@link F16Tensor}'s weights). */
    static FloatVector halfToFloat(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(HALF_S, s, off, Fp.LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector mag = h.and(0x7FFF);
        IntVector shifted = mag.lanewise(VectorOperators.LSHL, 13);
        // the exponent moves from bias 15 to 127: scaling by 2^112 also renormalizes subnormals exactly
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                .blend(shifted.or(0x7F800000), mag.compare(VectorOperators.GE, 0x7C00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }
}
