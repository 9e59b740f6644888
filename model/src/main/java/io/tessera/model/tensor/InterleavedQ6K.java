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
 * Q6_K weights with 32 rows interleaved ({@link Interleaved}), the same size as the file's layout: per group of 32
 * rows and block of 256, at {@code (group * blocksPerRow + b) * 6720}, the 32 rows' fp16 d, their 16 int8 scales
 * (scale s of the rows at 64 + 32 * s), then the rows' ql and qh bytes in the order the kernel reads them, lane class
 * by lane class: for class l and half n, ql[64n + 4l + i], ql[64n + 32 + 4l + i] and qh[32n + 4l + i] (i < 4), each
 * 32 bytes (one per row), at 576 + 32 * (24l + 12n + ...), so that a block streams from memory in one pass.
 *
 * <p>Bit for bit {@link Q6KTensor}'s dot, which follows ggml's AVX2 kernel: there a row's block sum lives in eight
 * 32-bit lanes, lane l holding the products of values 4l..4l+3 of every 32-value chunk (times the chunk's scale)
 * minus 32 * (scale[2l] * bsum[2l] + scale[2l + 1] * bsum[2l + 1]), and the lanes are accumulated in float, block
 * after block, then summed as hsum_float_8. Here lane class l is computed for all the rows at once; its 16-bit
 * partial sums over four values (at most 63 * 127 * 4) are exact, so every integer is the same, and the float steps
 * are done in the same order.
 */
final class InterleavedQ6K extends Interleaved implements RowGroups {
    static final int GROUP_BLOCK_BYTES = ROWS * 210;
    private static final int SCALES = 2 * ROWS, BITS = SCALES + 16 * ROWS;

    private InterleavedQ6K(MemorySegment packed, int rows, int blocksPerRow) {
        super(packed, rows, blocksPerRow);
    }

    /** Repacks the first {@code rows / 32 * 32} rows of {@code data} (the file's Q6_K layout) into memory from {@code alloc}. */
    static InterleavedQ6K of(MemorySegment data, int rows, int cols, SegmentAllocator alloc) {
        int nb = cols / 256, groups = rows / ROWS;
        long rowBytes = nb * 210L, groupBytes = (long) nb * GROUP_BLOCK_BYTES;
        MemorySegment packed = Interleaved.repack(data, groups * ROWS * rowBytes, groups, groupBytes, alloc, to -> g -> {
            for (int b = 0; b < nb; b++) {
                long src = g * ROWS * rowBytes + b * 210L, dst = g * groupBytes + (long) b * GROUP_BLOCK_BYTES;
                for (int r = 0; r < ROWS; r++) to.set(Fp.SHORT, dst + 2L * r, data.get(Fp.SHORT, src + r * rowBytes + 208));
                for (int r = 0; r < ROWS; r += 8) {
                    // scales: bytes 192..207 of the block
                    for (int k = 0; k < 16; k += 8) Interleaved.transpose8x8(data, src + r * rowBytes + 192 + k, rowBytes, to, dst + SCALES + (long) k * ROWS + r, ROWS);
                    // runs of four bytes to their class-ordered places: 8 runs of ql and 4 of qh per class and half
                    for (int l = 0; l < 8; l += 2) {
                        for (int n = 0; n < 2; n++) {
                            for (int part = 0; part < 3; part++) {
                                long from = src + r * rowBytes + (part == 2 ? 128 + 32 * n : 64 * n + 32 * part) + 4 * l;
                                // eight bytes: four of class l then four of class l + 1
                                Interleaved.transpose8x8(data, from, rowBytes, to, dst + BITS + (24L * l + 12 * n + 4 * part) * ROWS + r,
                                        dst + BITS + (24L * (l + 1) + 12 * n + 4 * part) * ROWS + r, ROWS);
                            }
                        }
                    }
                }
            }
        });
        return new InterleavedQ6K(packed, groups * ROWS, nb);
    }

    @Override
    public void matvec(Q8KInput in, float[] out, int outOff, int groupFrom, int groupTo) {
        MemorySegment w = packed;
        Scratch scratch = Scratch.get();
        float[] acc = scratch.laneAccs;   // [lane class l][row]: the eight float lanes of each row
        float[] d = scratch.scales;       // per row: d_w * d_x of the block
        int[] sub = scratch.laneSubs;     // [lane class l][row]: what lane l subtracts
        short[] ps = scratch.weights;      // per chunk, the 16-bit products of a lane class
        int[] sums = scratch.ints;         // a lane class's integer sums
        for (int g = groupFrom; g < groupTo; g++) {
            for (int h = 0; h < ROWS; h += L) {
                java.util.Arrays.fill(acc, 0, 8 * L, 0f);
                long o = (long) g * blocksPerRow * GROUP_BLOCK_BYTES;
                for (int b = 0; b < blocksPerRow; b++, o += GROUP_BLOCK_BYTES) {
                    blockTerms(w, o, h, in, b, d, sub);
                    for (int l = 0; l < 8; l++) laneClass(w, o + h, in.qs, b, l, d, sub, acc, ps, sums);
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
            long s = o + SCALES + 2L * l * ROWS + h;
            ShortVector s0 = scales(w, s), s1 = scales(w, s + ROWS);
            for (int part = 0; part < 2; part++) {
                ((IntVector) s0.convertShape(VectorOperators.S2I, I, part)).mul(bs0)
                        .add(((IntVector) s1.convertShape(VectorOperators.S2I, I, part)).mul(bs1))
                        .lanewise(VectorOperators.LSHL, 5).intoArray(sub, l * L + part * L / 2);
            }
        }
    }

    /** Lane class l of block b for the L rows at {@code o}: its integer sum, then {@code acc[l][row] = fma(sum, d[row], acc[l][row])}. */
    private static void laneClass(MemorySegment w, long o, byte[] y, int b, int l, float[] d, int[] sub, float[] acc, short[] ps, int[] sums) {
        java.util.Arrays.fill(sums, 0, L, 0);
        for (int n = 0; n < 2; n++) {
            products(w, o + BITS + (24L * l + 12 * n) * ROWS, y, 256 * b + 128 * n + 4 * l, ps);
            // chunk 4n + j; the scale of its values 4l..4l+3 is scales[2(4n + j) + l / 4]
            scaled(ps, w, o + SCALES + (8L * n + (l >> 2)) * ROWS, sums);
        }
        finish(sums, sub, d, acc, l * L);
    }

    /** Adds the four chunks' products of {@code ps} times the rows' scales (from {@code sc}, two scales apart) to {@code sums}. */
    private static void scaled(short[] ps, MemorySegment w, long sc, int[] sums) {
        IntVector a0 = IntVector.fromArray(I, sums, 0), a1 = IntVector.fromArray(I, sums, L / 2);
        for (int j = 0; j < 4; j++) {
            ShortVector s = ShortVector.fromArray(S, ps, j * L);
            // written out rather than through scales(): through it, a whole-model run showed Java-code fallbacks (JFR)
            ShortVector scale = (ShortVector) ByteVector.fromMemorySegment(B, w, sc + 2L * j * ROWS, Fp.LE).convertShape(VectorOperators.B2S, S, 0);
            a0 = a0.add(((IntVector) s.convertShape(VectorOperators.S2I, I, 0)).mul((IntVector) scale.convertShape(VectorOperators.S2I, I, 0)));
            a1 = a1.add(((IntVector) s.convertShape(VectorOperators.S2I, I, 1)).mul((IntVector) scale.convertShape(VectorOperators.S2I, I, 1)));
        }
        a0.intoArray(sums, 0);
        a1.intoArray(sums, L / 2);
    }

    /** {@code acc[ai + row] = fma(sums[row] - sub[ai + row], d[row], acc[ai + row])}. */
    private static void finish(int[] sums, int[] sub, float[] d, float[] acc, int ai) {
        for (int k = 0; k < L; k += L / 2) {
            ((FloatVector) IntVector.fromArray(I, sums, k).sub(IntVector.fromArray(I, sub, ai + k)).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(F, d, k), FloatVector.fromArray(F, acc, ai + k)).intoArray(acc, ai + k);
        }
    }

    /**
     * Values 4l + i (i < 4) of the four chunks of a half block times the activations from {@code yb}, into {@code ps}
     * (chunk j's L rows at jL). The bytes at {@code q}: ql of chunks 0 and 2 (low and high nibbles), ql of chunks 1
     * and 3, qh of all four (two bits each), four of each.
     */
    private static void products(MemorySegment w, long q, byte[] y, int yb, short[] ps) {
        ShortVector p0 = ShortVector.zero(S), p1 = p0, p2 = p0, p3 = p0;
        for (int i = 0; i < 4; i++) {
            ShortVector a = load(w, q + (long) i * ROWS), c = load(w, q + (4L + i) * ROWS), hb = load(w, q + (8L + i) * ROWS);
            p0 = p0.add(a.and((short) 0xF).or(hb.lanewise(VectorOperators.LSHL, 4).and((short) 0x30)).mul(y[yb + i]));
            p1 = p1.add(c.and((short) 0xF).or(hb.lanewise(VectorOperators.LSHL, 2).and((short) 0x30)).mul(y[yb + 32 + i]));
            p2 = p2.add(a.lanewise(VectorOperators.LSHR, 4).or(hb.and((short) 0x30)).mul(y[yb + 64 + i]));
            p3 = p3.add(c.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHR, 2).and((short) 0x30)).mul(y[yb + 96 + i]));
        }
        p0.intoArray(ps, 0);
        p1.intoArray(ps, L);
        p2.intoArray(ps, 2 * L);
        p3.intoArray(ps, 3 * L);
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

    /**
     * The L rows' signed scale bytes at {@code off}, as shorts (widened to ints by the caller: a byte-to-int conversion
     * between these shapes fell back to Java code in some C2 compilations).
     */
    private static ShortVector scales(MemorySegment w, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(B, w, off, Fp.LE).convertShape(VectorOperators.B2S, S, 0);
    }
}
