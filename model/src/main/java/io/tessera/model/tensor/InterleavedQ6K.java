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
import static io.tessera.model.tensor.Interleaved.QUARTER_B;
import static io.tessera.model.tensor.Interleaved.ROWS;
import static io.tessera.model.tensor.Interleaved.S;
import static io.tessera.model.tensor.Interleaved.halfToFloat;

/**
 * Q6_K weights with 32 rows interleaved ({@link Interleaved}) and the 6-bit values unpacked to bytes: per group of 32
 * rows and block of 256, at {@code (group * blocksPerRow + b) * 8768}, the 32 rows' fp16 d, their 16 int8 scales
 * (scale s of the 32 rows at 64 + 32 * s), then the values (0..63, the stored q before subtracting 32) of the 32 rows
 * in the order the kernel reads them, lane class by lane class: value 32c + 4l + i (chunk c, class l, i < 4) at
 * 576 + 32 * (32l + 4c + i), so that a block streams from memory in one pass. A third larger than the file's layout.
 *
 * <p>Bit for bit {@link Q6KTensor}'s dot, which follows ggml's AVX2 kernel: there a row's block sum lives in eight
 * 32-bit lanes, lane l holding the products of values 4l..4l+3 of every 32-value chunk (times the chunk's scale)
 * minus 32 * (scale[2l] * bsum[2l] + scale[2l + 1] * bsum[2l + 1]), and the lanes are accumulated in float, block
 * after block, then summed as hsum_float_8. Here lane class l is computed for all the rows at once; its 16-bit
 * partial sums over four values (at most 63 * 127 * 4) are exact, so every integer is the same, and the float steps
 * are done in the same order.
 */
final class InterleavedQ6K implements RowGroups {
    static final int GROUP_BLOCK_BYTES = ROWS * (2 + 16 + 256);
    private static final int SCALES = 2 * ROWS, VALUES = SCALES + 16 * ROWS;

    private final MemorySegment packed;
    private final int blocksPerRow;
    private final int rows;

    private InterleavedQ6K(MemorySegment packed, int rows, int blocksPerRow) {
        this.packed = packed;
        this.rows = rows;
        this.blocksPerRow = blocksPerRow;
    }

    /** Repacks the first {@code rows / 32 * 32} rows of {@code data} (the file's Q6_K layout) into memory from {@code alloc}. */
    static InterleavedQ6K of(MemorySegment data, int rows, int cols, SegmentAllocator alloc) {
        int nb = cols / 256, groups = rows / ROWS;
        long rowBytes = nb * 210L, groupBytes = (long) nb * GROUP_BLOCK_BYTES;
        MemorySegment packed = Interleaved.repack(data, groups * ROWS * rowBytes, groups, groupBytes, alloc, to -> g -> {
            // the 32 rows' unpacked values of one block, row after row, each row's in slot order
            MemorySegment v = MemorySegment.ofArray(new byte[ROWS * 256]);
            for (int b = 0; b < nb; b++) {
                long src = g * ROWS * rowBytes + b * 210L, dst = g * groupBytes + (long) b * GROUP_BLOCK_BYTES;
                for (int r = 0; r < ROWS; r++) {
                    long o = src + r * rowBytes;
                    to.set(Fp.SHORT, dst + 2L * r, data.get(Fp.SHORT, o + 208));
                    for (int s = 0; s < 16; s++) to.set(java.lang.foreign.ValueLayout.JAVA_BYTE, dst + SCALES + s * ROWS + r, Fp.u8(data, o + 192 + s));
                    for (int n = 0; n < 2; n++) {
                        // eight values at a time: low nibbles from ql, two high bits from qh, as dequantizeRow
                        for (int l = 0; l < 32; l += 8) {
                            long a = data.get(Fp.LONG, o + 64 * n + l), c = data.get(Fp.LONG, o + 64 * n + 32 + l);
                            long hb = data.get(Fp.LONG, o + 128 + 32 * n + l);
                            int p = 128 * n + l;
                            put8(v, r * 256, p, (a & NIBBLES) | (hb & TWO_BITS) << 4);
                            put8(v, r * 256, p + 32, (c & NIBBLES) | (hb >>> 2 & TWO_BITS) << 4);
                            put8(v, r * 256, p + 64, (a >>> 4 & NIBBLES) | (hb >>> 4 & TWO_BITS) << 4);
                            put8(v, r * 256, p + 96, (c >>> 4 & NIBBLES) | (hb >>> 6 & TWO_BITS) << 4);
                        }
                    }
                }
                for (int r = 0; r < ROWS; r += 8) {
                    for (int p = 0; p < 256; p += 8) Interleaved.transpose8x8(v, r * 256L + p, 256, to, dst + VALUES + (long) p * ROWS + r, ROWS);
                }
            }
        });
        return new InterleavedQ6K(packed, groups * ROWS, nb);
    }

    /** Where value p = 32c + 4l + i of a block goes: class l's values together, chunk after chunk. */
    private static int slot(int p) {
        return 32 * ((p & 31) >> 2) + 4 * (p >> 5) + (p & 3);
    }

    private static final long NIBBLES = 0x0F0F0F0F0F0F0F0FL, TWO_BITS = 0x0303030303030303L;

    /** Values p..p+7 (p a multiple of 8), one per byte of {@code eight}, to their slots in the row at {@code row}. */
    private static void put8(MemorySegment v, long row, int p, long eight) {
        v.set(Fp.INT, row + slot(p), (int) eight);
        v.set(Fp.INT, row + slot(p + 4), (int) (eight >>> 32));
    }

    @Override
    public int rows() { return rows; }

    @Override
    public void matvec(Q8KInput in, float[] out, int outOff, int groupFrom, int groupTo) {
        MemorySegment w = packed;
        Scratch scratch = Scratch.get();
        float[] acc = scratch.laneAccs;   // [lane class l][row]: the eight float lanes of each row
        float[] d = scratch.scales;       // per row: d_w * d_x of the block
        int[] sub = scratch.laneSubs;     // [lane class l][row]: what lane l subtracts
        for (int g = groupFrom; g < groupTo; g++) {
            for (int h = 0; h < ROWS; h += L) {
                java.util.Arrays.fill(acc, 0, 8 * L, 0f);
                long o = (long) g * blocksPerRow * GROUP_BLOCK_BYTES;
                for (int b = 0; b < blocksPerRow; b++, o += GROUP_BLOCK_BYTES) {
                    blockTerms(w, o, h, in, b, d, sub);
                    for (int l = 0; l < 8; l++) laneClass(w, o + h, in.qs, b, l, d, sub, acc);
                }
                hsum8(acc, out, outOff + g * ROWS + h);
            }
        }
    }

    /*
     * The kernel is split in small methods on purpose: C2 stops inlining the Vector API (and boxes the vectors) in a
     * method with many vector operations (NodeCountInliningCutoff); these pass arrays, not vectors, between them.
     */

    /** Per row of block b: d_w * d_x, and for each lane l: 32 * (scale[2l] * bsum[2l] + scale[2l + 1] * bsum[2l + 1]). */
    private static void blockTerms(MemorySegment w, long o, int h, Q8KInput in, int b, float[] d, int[] sub) {
        float db = in.d[b];
        halfToFloat(w, o + 2L * h).mul(db).intoArray(d, 0);
        halfToFloat(w, o + 2L * h + L).mul(db).intoArray(d, L / 2);
        for (int l = 0; l < 8; l++) {
            int bs0 = in.bsums[16 * b + 2 * l], bs1 = in.bsums[16 * b + 2 * l + 1];
            for (int k = 0; k < L; k += L / 2) {
                long s = o + SCALES + 2L * l * ROWS + h + k;
                scales(w, s).mul(bs0).add(scales(w, s + ROWS).mul(bs1)).lanewise(VectorOperators.LSHL, 5).intoArray(sub, l * L + k);
            }
        }
    }

    /** Lane class l of block b for the L rows at {@code o}: its integer sum, then {@code acc[l][row] = fma(sum, d[row], acc[l][row])}. */
    private static void laneClass(MemorySegment w, long o, byte[] y, int b, int l, float[] d, int[] sub, float[] acc) {
        IntVector a0 = IntVector.zero(I), a1 = a0;
        for (int c = 0; c < 8; c++) {
            // values 4l..4l+3 of chunk c, whose scale is scales[2c + l / 4]
            int yp = 256 * b + 32 * c + 4 * l;
            long q = o + VALUES + (32L * l + 4 * c) * ROWS;
            ShortVector s = ShortVector.zero(S);
            for (int i = 0; i < 4; i++) s = s.add(load(w, q + (long) i * ROWS).mul(y[yp + i]));
            long sc = o + SCALES + (2L * c + (l >> 2)) * ROWS;
            a0 = a0.add(((IntVector) s.convertShape(VectorOperators.S2I, I, 0)).mul(scales(w, sc)));
            a1 = a1.add(((IntVector) s.convertShape(VectorOperators.S2I, I, 1)).mul(scales(w, sc + L / 2)));
        }
        int ai = l * L;
        ((FloatVector) a0.sub(IntVector.fromArray(I, sub, ai)).convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromArray(F, d, 0), FloatVector.fromArray(F, acc, ai)).intoArray(acc, ai);
        ((FloatVector) a1.sub(IntVector.fromArray(I, sub, ai + L / 2)).convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromArray(F, d, L / 2), FloatVector.fromArray(F, acc, ai + L / 2)).intoArray(acc, ai + L / 2);
    }

    /** hsum_float_8 of each row's eight lanes: (v4 + v0 + v6 + v2) + (v5 + v1 + v7 + v3), in that grouping. */
    private static void hsum8(float[] acc, float[] out, int off) {
        for (int k = 0; k < L; k += L / 2) {
            FloatVector v0 = FloatVector.fromArray(F, acc, k), v1 = FloatVector.fromArray(F, acc, L + k);
            FloatVector v2 = FloatVector.fromArray(F, acc, 2 * L + k), v3 = FloatVector.fromArray(F, acc, 3 * L + k);
            FloatVector v4 = FloatVector.fromArray(F, acc, 4 * L + k), v5 = FloatVector.fromArray(F, acc, 5 * L + k);
            FloatVector v6 = FloatVector.fromArray(F, acc, 6 * L + k), v7 = FloatVector.fromArray(F, acc, 7 * L + k);
            v4.add(v0).add(v6.add(v2)).add(v5.add(v1).add(v7.add(v3))).intoArray(out, off + k);
        }
    }

    private static ShortVector load(MemorySegment w, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B, w, off, Fp.LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
    }

    /** L / 2 signed bytes (the rows' scales) as ints. */
    private static IntVector scales(MemorySegment w, long off) {
        return (IntVector) ByteVector.fromMemorySegment(QUARTER_B, w, off, Fp.LE).convertShape(VectorOperators.B2I, I, 0);
    }
}
