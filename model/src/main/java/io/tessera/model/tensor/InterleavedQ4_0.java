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
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;

/**
 * Q4_0 weights repacked so that vector lanes hold rows: the rows in groups of 32, and per group and block b, at
 * {@code (group * blocksPerRow + b) * 576}, the 32 rows' fp16 scales, then for j = 0..15 the 32 rows' quant byte j
 * (values j and j + 16 of each row's block). Same size as the file's layout.
 *
 * <p>Why: the file's layout puts one row's 32 values in a vector, so every block of every row ends in a horizontal
 * sum (ggml uses the 8-bit dot-product instructions, which the Vector API lacks). Here a 16-bit lane accumulates one
 * row's block: one zero-extend, mask, shift, two multiplies and two adds give 64 products, and 32 row sums come out
 * of the lanes with no reduction. The integer block sums are exact (|sum((q - 8) * y)| <= 32 * 8 * 127 fits in 16
 * bits; the nibbles are taken unsigned and 8 * sum(y) subtracted after, in wrapping 16-bit arithmetic), then
 * {@code acc = fma(sum, d_w * d_x, acc)} block after block: bit for bit {@link Q4_0Tensor}'s single-row dot.
 *
 * <p>The copy lives off the heap; the file's pages it was made from are released from the resident set.
 */
final class InterleavedQ4_0 {
    static final int ROWS = 32;
    static final int GROUP_BLOCK_BYTES = ROWS * 18;

    /** 16-bit lanes per vector: 32 on AVX-512 (a whole group), 16 on AVX2 (two halves of a group). */
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            ? ShortVector.SPECIES_512 : ShortVector.SPECIES_256;
    private static final int L = S.length();
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final VectorSpecies<Short> HALF_S = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(S.vectorShape());
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(S.vectorShape());

    /** Whether this CPU has the 256-bit vectors the kernel needs (otherwise Q4_0 stays in the file's layout). */
    static boolean supported() {
        return ShortVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    private final MemorySegment packed;
    private final int blocksPerRow;
    /** Rows covered: the tensor's rows rounded down to a multiple of 32. */
    final int rows;

    private InterleavedQ4_0(MemorySegment packed, int rows, int blocksPerRow) {
        this.packed = packed;
        this.rows = rows;
        this.blocksPerRow = blocksPerRow;
    }

    /**
     * Repacks the first {@code rows / 32 * 32} rows of {@code data} (the file's Q4_0 layout) into memory from
     * {@code alloc}, then releases the mapped pages it read ({@link MemorySegment#unload}). Groups are repacked in
     * parallel when {@code data} may be read from other threads.
     */
    static InterleavedQ4_0 of(MemorySegment data, int rows, int cols, SegmentAllocator alloc) {
        int nb = cols / 32, groups = rows / ROWS;
        long rowBytes = nb * 18L, groupBytes = (long) nb * GROUP_BLOCK_BYTES;
        MemorySegment packed = alloc.allocate(groups * groupBytes, 64);
        IntStream range = IntStream.range(0, groups);
        if (groups > 1 && data.isAccessibleBy(SOME_OTHER_THREAD) && packed.isAccessibleBy(SOME_OTHER_THREAD)) range = range.parallel();
        range.forEach(g -> {
            for (int b = 0; b < nb; b++) {
                long src = g * ROWS * rowBytes + b * 18L, dst = g * groupBytes + (long) b * GROUP_BLOCK_BYTES;
                for (int r = 0; r < ROWS; r++) packed.set(Fp.SHORT, dst + 2L * r, data.get(Fp.SHORT, src + r * rowBytes));
                for (int r = 0; r < ROWS; r += 8) {
                    for (int j = 0; j < 16; j += 8) transpose8x8(data, src + r * rowBytes + 2 + j, rowBytes, packed, dst + 2 * ROWS + j * ROWS + r, ROWS);
                }
            }
        });
        if (data.isMapped() && groups > 0) data.asSlice(0, groups * ROWS * rowBytes).unload();
        return new InterleavedQ4_0(packed, groups * ROWS, nb);
    }

    /**
     * The 8 x 8 bytes at {@code from + i * fromStride + k} (i, k < 8) to {@code to + k * toStride + i}: three rounds of
     * byte, 16-bit and 32-bit swaps between eight longs.
     */
    private static void transpose8x8(MemorySegment from, long fromOff, long fromStride, MemorySegment to, long toOff, long toStride) {
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
        to.set(Fp.LONG, toOff + 4 * toStride, x4);
        to.set(Fp.LONG, toOff + 5 * toStride, x5);
        to.set(Fp.LONG, toOff + 6 * toStride, x6);
        to.set(Fp.LONG, toOff + 7 * toStride, x7);
    }

    /** A thread that owns no segment: a segment it may access is shared. */
    private static final Thread SOME_OTHER_THREAD = Thread.ofVirtual().unstarted(() -> {});

    /** {@code out[outOff + r]} for the rows of groups [groupFrom, groupTo), one lane per row. */
    void matvec(Q8Input in, float[] out, int outOff, int groupFrom, int groupTo) {
        MemorySegment w = packed;
        short[] y = in.natural;
        int[] isum = in.isum;
        float[] dx = in.d;
        for (int g = groupFrom; g < groupTo; g++) {
            for (int h = 0; h < ROWS; h += L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                long o = (long) g * blocksPerRow * GROUP_BLOCK_BYTES;
                for (int b = 0; b < blocksPerRow; b++, o += GROUP_BLOCK_BYTES) {
                    // the scales first: C2 schedules the block better this way (measured)
                    float d = dx[b];
                    FloatVector s0 = halfToFloat(w, o + 2L * h).mul(d), s1 = halfToFloat(w, o + 2L * h + L).mul(d);
                    // two chains (values j and j + 16) so that the adds of consecutive j do not wait for each other
                    ShortVector lo = ShortVector.zero(S), hi = lo;
                    int yb = b * 32;
                    for (int j = 0; j < 16; j++) {
                        ShortVector z = (ShortVector) ByteVector.fromMemorySegment(B, w, o + 2 * ROWS + h + j * ROWS, Fp.LE)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(z.and((short) 0xF).mul(y[yb + j]));
                        hi = hi.add(z.lanewise(VectorOperators.LSHR, 4).mul(y[yb + j + 16]));
                    }
                    ShortVector sum = lo.add(hi).sub((short) (isum[b] << 3));
                    a0 = ((FloatVector) sum.convertShape(VectorOperators.S2F, F, 0)).fma(s0, a0);
                    a1 = ((FloatVector) sum.convertShape(VectorOperators.S2F, F, 1)).fma(s1, a1);
                }
                a0.intoArray(out, outOff + g * ROWS + h);
                a1.intoArray(out, outOff + g * ROWS + h + L / 2);
            }
        }
    }

    /**
     * {@code out[t][r]} for tokens [0, count) and the rows of groups [groupFrom, groupTo): four tokens at a time share
     * each unpacked vector of weights; each token's arithmetic is exactly {@link #matvec}'s. {@code xs} are Q8_0 inputs.
     */
    void matmul(PreparedInput[] xs, int count, float[][] out, int groupFrom, int groupTo) {
        MemorySegment w = packed;
        int t = 0;
        for (; t + 4 <= count; t += 4) {
            Q8Input x0 = (Q8Input) xs[t], x1 = (Q8Input) xs[t + 1], x2 = (Q8Input) xs[t + 2], x3 = (Q8Input) xs[t + 3];
            short[] y0 = x0.natural, y1 = x1.natural, y2 = x2.natural, y3 = x3.natural;
            for (int g = groupFrom; g < groupTo; g++) {
                for (int h = 0; h < ROWS; h += L) {
                    FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
                    long o = (long) g * blocksPerRow * GROUP_BLOCK_BYTES;
                    for (int b = 0; b < blocksPerRow; b++, o += GROUP_BLOCK_BYTES) {
                        FloatVector s0 = halfToFloat(w, o + 2L * h), s1 = halfToFloat(w, o + 2L * h + L);
                        ShortVector c0 = ShortVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
                        int yb = b * 32;
                        for (int j = 0; j < 16; j++) {
                            ShortVector z = (ShortVector) ByteVector.fromMemorySegment(B, w, o + 2 * ROWS + h + j * ROWS, Fp.LE)
                                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                            ShortVector lo = z.and((short) 0xF), hi = z.lanewise(VectorOperators.LSHR, 4);
                            c0 = c0.add(lo.mul(y0[yb + j])).add(hi.mul(y0[yb + j + 16]));
                            c1 = c1.add(lo.mul(y1[yb + j])).add(hi.mul(y1[yb + j + 16]));
                            c2 = c2.add(lo.mul(y2[yb + j])).add(hi.mul(y2[yb + j + 16]));
                            c3 = c3.add(lo.mul(y3[yb + j])).add(hi.mul(y3[yb + j + 16]));
                        }
                        c0 = c0.sub((short) (x0.isum[b] << 3));
                        c1 = c1.sub((short) (x1.isum[b] << 3));
                        c2 = c2.sub((short) (x2.isum[b] << 3));
                        c3 = c3.sub((short) (x3.isum[b] << 3));
                        a00 = ((FloatVector) c0.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(x0.d[b]), a00);
                        a01 = ((FloatVector) c0.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(x0.d[b]), a01);
                        a10 = ((FloatVector) c1.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(x1.d[b]), a10);
                        a11 = ((FloatVector) c1.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(x1.d[b]), a11);
                        a20 = ((FloatVector) c2.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(x2.d[b]), a20);
                        a21 = ((FloatVector) c2.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(x2.d[b]), a21);
                        a30 = ((FloatVector) c3.convertShape(VectorOperators.S2F, F, 0)).fma(s0.mul(x3.d[b]), a30);
                        a31 = ((FloatVector) c3.convertShape(VectorOperators.S2F, F, 1)).fma(s1.mul(x3.d[b]), a31);
                    }
                    int r = g * ROWS + h;
                    a00.intoArray(out[t], r);
                    a01.intoArray(out[t], r + L / 2);
                    a10.intoArray(out[t + 1], r);
                    a11.intoArray(out[t + 1], r + L / 2);
                    a20.intoArray(out[t + 2], r);
                    a21.intoArray(out[t + 2], r + L / 2);
                    a30.intoArray(out[t + 3], r);
                    a31.intoArray(out[t + 3], r + L / 2);
                }
            }
        }
        for (; t < count; t++) matvec((Q8Input) xs[t], out[t], 0, groupFrom, groupTo);
    }

    /** L / 2 fp16 values at {@code off}, exactly converted (as {@link F16Tensor}'s weights). */
    private static FloatVector halfToFloat(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(HALF_S, s, off, Fp.LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector mag = h.and(0x7FFF);
        IntVector shifted = mag.lanewise(VectorOperators.LSHL, 13);
        // the exponent moves from bias 15 to 127: scaling by 2^112 also renormalizes subnormals exactly
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                .blend(shifted.or(0x7F800000), mag.compare(VectorOperators.GE, 0x7C00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }
}
