package io.tessera.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import static io.tessera.model.tensor.Interleaved.B;
import static io.tessera.model.tensor.Interleaved.F;
import static io.tessera.model.tensor.Interleaved.I;
import static io.tessera.model.tensor.Interleaved.L;
import static io.tessera.model.tensor.Interleaved.ROWS;
import static io.tessera.model.tensor.Interleaved.S;
import static io.tessera.model.tensor.Interleaved.halfToFloat;

/**
 * Q4_K weights with 32 rows interleaved ({@link Interleaved}): per group of 32 rows and block of 256, at
 * {@code (group * blocksPerRow + b) * 4608}, quant byte k < 128 of the 32 rows at 32 * k (low nibble: value
 * 64 * (k / 32) + k % 32, high nibble: 32 further), then byte i < 12 of their packed 6-bit scales and mins (at
 * 4096 + 32 * i, unpacked in the kernel), their fp16 d (at 4480) and dmin (at 4544). The same size as the file's.
 *
 * <p>Bit for bit {@link Q4KTensor}'s dot (ggml's repacked AVX2 kernel): per row and block the exact integer
 * {@code sum_j scale_j * dot_j} and {@code sum_j min_j * bsum_j}, then {@code acc = fma(sum, d * d_x, acc)} and
 * {@code accMin = fma(summ, dmin * d_x, accMin)}; the row's value is {@code acc - accMin}. A sub-block's dot is summed
 * in 16-bit lanes over 16 values at a time (at most 15 * 127 * 16), then widened.
 */
final class InterleavedQ4K extends Interleaved implements RowGroups {
    static final int GROUP_BLOCK_BYTES = ROWS * 144;
    // in the order the kernel reads them, so that a block streams from memory in one forward pass
    private static final int QS = 0, SCALES = 128 * ROWS, D = SCALES + 12 * ROWS, DMIN = D + 2 * ROWS;

    private InterleavedQ4K(MemorySegment packed, int rows, int blocksPerRow) {
        super(packed, rows, blocksPerRow);
    }

    /** Repacks the first {@code rows / 32 * 32} rows of {@code data} (the file's Q4_K layout) into memory from {@code alloc}. */
    static InterleavedQ4K of(MemorySegment data, int rows, int cols, SegmentAllocator alloc) {
        int nb = cols / 256, groups = rows / ROWS;
        long rowBytes = nb * 144L, groupBytes = (long) nb * GROUP_BLOCK_BYTES;
        MemorySegment packed = Interleaved.repack(data, groups * ROWS * rowBytes, groups, groupBytes, alloc, to -> g -> {
            for (int b = 0; b < nb; b++) {
                long src = g * ROWS * rowBytes + b * 144L, dst = g * groupBytes + (long) b * GROUP_BLOCK_BYTES;
                for (int r = 0; r < ROWS; r++) {
                    long o = src + r * rowBytes;
                    to.set(Fp.SHORT, dst + D + 2L * r, data.get(Fp.SHORT, o));
                    to.set(Fp.SHORT, dst + DMIN + 2L * r, data.get(Fp.SHORT, o + 2));
                }
                for (int r = 0; r < ROWS; r += 8) {
                    for (int k = 0; k < 128; k += 8) Interleaved.transpose8x8(data, src + r * rowBytes + 16 + k, rowBytes, to, dst + QS + (long) k * ROWS + r, ROWS);
                    // the 12 scale bytes (4..15 of the block): bytes 4..11, then 8..15 (8..11 written twice, the same)
                    for (int k = 0; k < 8; k += 4) Interleaved.transpose8x8(data, src + r * rowBytes + 4 + k, rowBytes, to, dst + SCALES + (long) k * ROWS + r, ROWS);
                }
            }
        });
        return new InterleavedQ4K(packed, groups * ROWS, nb);
    }

    @Override
    public void matvec(Q8KInput in, float[] out, int outOff, int groupFrom, int groupTo) {
        MemorySegment w = packed;
        Scratch scratch = Scratch.get();
        float[] acc = scratch.laneAccs;   // per row: acc at [0, L), accMin at [L, 2L)
        int[] sums = scratch.laneSubs;    // per row: sum_j scale_j * dot_j at [0, L), sum_j min_j * bsum_j at [L, 2L)
        int[] dots = scratch.laneDots;    // [sub-block j][row]: dot_j
        short[] scales = scratch.weights; // [j][row]: scale j, then [8 + j][row]: min j
        for (int g = groupFrom; g < groupTo; g++) {
            for (int h = 0; h < ROWS; h += L) {
                java.util.Arrays.fill(acc, 0, 2 * L, 0f);
                long o = (long) g * blocksPerRow * GROUP_BLOCK_BYTES;
                for (int b = 0; b < blocksPerRow; b++, o += GROUP_BLOCK_BYTES) {
                    for (int j = 0; j < 4; j++) pairDot(w, o + h, in.qs, b, j, dots);
                    unpackScales(w, o + h, scales);
                    scaledSums(scales, dots, in.bsums, b, sums);
                    accumulate(w, o, h, in.d[b], sums, acc);
                }
                for (int k = 0; k < L; k += L / 2) {
                    FloatVector.fromArray(F, acc, k).sub(FloatVector.fromArray(F, acc, L + k)).intoArray(out, outOff + g * ROWS + h + k);
                }
            }
        }
    }

    /*
     * Split in small methods on purpose: C2 stops inlining the Vector API (and boxes the vectors) in a method with
     * many vector operations (NodeCountInliningCutoff); these pass arrays, not vectors, between them.
     */

    /** The dots of sub-blocks 2j and 2j + 1 (quant bytes 32j..32j+31) of the L rows at {@code o}, to {@code dots[2j]} and {@code dots[2j + 1]}. */
    private static void pairDot(MemorySegment w, long o, byte[] y, int b, int j, int[] dots) {
        IntVector lo0 = IntVector.zero(I), lo1 = lo0, hi0 = lo0, hi1 = lo0;
        for (int k = 0; k < 32; k += 16) {
            ShortVector lo = ShortVector.zero(S), hi = lo;
            int yb = 256 * b + 64 * j + k;
            long q = o + QS + (32L * j + k) * ROWS;
            for (int i = 0; i < 16; i++) {
                ShortVector z = (ShortVector) ByteVector.fromMemorySegment(B, w, q + (long) i * ROWS, Fp.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                lo = lo.add(z.and((short) 0xF).mul(y[yb + i]));
                hi = hi.add(z.lanewise(VectorOperators.LSHR, 4).mul(y[yb + 32 + i]));
            }
            lo0 = lo0.add((IntVector) lo.convertShape(VectorOperators.S2I, I, 0));
            lo1 = lo1.add((IntVector) lo.convertShape(VectorOperators.S2I, I, 1));
            hi0 = hi0.add((IntVector) hi.convertShape(VectorOperators.S2I, I, 0));
            hi1 = hi1.add((IntVector) hi.convertShape(VectorOperators.S2I, I, 1));
        }
        lo0.intoArray(dots, 2 * j * L);
        lo1.intoArray(dots, 2 * j * L + L / 2);
        hi0.intoArray(dots, (2 * j + 1) * L);
        hi1.intoArray(dots, (2 * j + 1) * L + L / 2);
    }

    /** The L rows' eight 6-bit scales and eight mins from their 12 packed bytes at {@code o} (as get_scale_min_k4), into {@code sm}. */
    private static void unpackScales(MemorySegment w, long o, short[] sm) {
        for (int j = 0; j < 4; j++) {
            ShortVector q0 = load(w, o + SCALES + (long) j * ROWS), q4 = load(w, o + SCALES + (4L + j) * ROWS);
            ShortVector q8 = load(w, o + SCALES + (8L + j) * ROWS);
            q0.and((short) 63).intoArray(sm, j * L);
            q4.and((short) 63).intoArray(sm, (8 + j) * L);
            q8.and((short) 0xF).or(q0.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).intoArray(sm, (4 + j) * L);
            q8.lanewise(VectorOperators.LSHR, 4).or(q4.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4)).intoArray(sm, (12 + j) * L);
        }
    }

    private static ShortVector load(MemorySegment w, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B, w, off, Fp.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
    }

    /** {@code sums[0, L)} = sum_j scale_j * dot_j and {@code sums[L, 2L)} = sum_j min_j * (bsum_2j + bsum_2j+1) of the L rows. */
    private static void scaledSums(short[] sm, int[] dots, int[] bs, int b, int[] sums) {
        for (int k = 0; k < L; k += L / 2) {
            int part = k == 0 ? 0 : 1;
            IntVector s = IntVector.zero(I), m = s;
            for (int j = 0; j < 8; j++) {
                IntVector scale = (IntVector) ShortVector.fromArray(S, sm, j * L).convertShape(VectorOperators.S2I, I, part);
                IntVector min = (IntVector) ShortVector.fromArray(S, sm, (8 + j) * L).convertShape(VectorOperators.S2I, I, part);
                s = s.add(IntVector.fromArray(I, dots, j * L + k).mul(scale));
                m = m.add(min.mul(bs[16 * b + 2 * j] + bs[16 * b + 2 * j + 1]));
            }
            s.intoArray(sums, k);
            m.intoArray(sums, L + k);
        }
    }

    /** acc = fma(sum, d * d_x, acc) and accMin = fma(summ, dmin * d_x, accMin) for the L rows. */
    private static void accumulate(MemorySegment w, long o, int h, float dx, int[] sums, float[] acc) {
        for (int k = 0; k < L; k += L / 2) {
            FloatVector d = halfToFloat(w, o + D + 2L * (h + k)).mul(dx), dmin = halfToFloat(w, o + DMIN + 2L * (h + k)).mul(dx);
            ((FloatVector) IntVector.fromArray(I, sums, k).convert(VectorOperators.I2F, 0))
                    .fma(d, FloatVector.fromArray(F, acc, k)).intoArray(acc, k);
            ((FloatVector) IntVector.fromArray(I, sums, L + k).convert(VectorOperators.I2F, 0))
                    .fma(dmin, FloatVector.fromArray(F, acc, L + k)).intoArray(acc, L + k);
        }
    }
}
