package io.tessera.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

import static io.tessera.model.tensor.Interleaved.B;
import static io.tessera.model.tensor.Interleaved.F;
import static io.tessera.model.tensor.Interleaved.L;
import static io.tessera.model.tensor.Interleaved.ROWS;
import static io.tessera.model.tensor.Interleaved.S;
import static io.tessera.model.tensor.Interleaved.halfToFloat;

/**
 * Q4_0 weights with 32 rows interleaved ({@link Interleaved}): per group of 32 rows and block b, at
 * {@code (group * blocksPerRow + b) * 576}, the 32 rows' fp16 scales, then for j = 0..15 the 32 rows' quant byte j
 * (values j and j + 16 of each row's block). Same size as the file's layout.
 *
 * <p>A 16-bit lane accumulates one row's block: one zero-extend, mask, shift, two multiplies and two adds give 64
 * products. The integer block sums are exact (|sum((q - 8) * y)| <= 32 * 8 * 127 fits in 16 bits; the nibbles are
 * taken unsigned and 8 * sum(y) subtracted after, in wrapping 16-bit arithmetic), then
 * {@code acc = fma(sum, d_w * d_x, acc)} block after block: bit for bit {@link Q4_0Tensor}'s single-row dot.
 */
final class InterleavedQ4_0 extends Interleaved {
    static final int GROUP_BLOCK_BYTES = ROWS * 18;

    private InterleavedQ4_0(MemorySegment packed, int rows, int blocksPerRow) {
        super(packed, rows, blocksPerRow);
    }

    /** Repacks the first {@code rows / 32 * 32} rows of {@code data} (the file's Q4_0 layout) into memory from {@code alloc}. */
    static InterleavedQ4_0 of(MemorySegment data, int rows, int cols, SegmentAllocator alloc) {
        int nb = cols / 32, groups = rows / ROWS;
        long rowBytes = nb * 18L, groupBytes = (long) nb * GROUP_BLOCK_BYTES;
        MemorySegment packed = Interleaved.repack(data, groups * ROWS * rowBytes, groups, groupBytes, alloc, to -> g -> {
            for (int b = 0; b < nb; b++) {
                long src = g * ROWS * rowBytes + b * 18L, dst = g * groupBytes + (long) b * GROUP_BLOCK_BYTES;
                for (int r = 0; r < ROWS; r++) to.set(Fp.SHORT, dst + 2L * r, data.get(Fp.SHORT, src + r * rowBytes));
                for (int r = 0; r < ROWS; r += 8) {
                    for (int j = 0; j < 16; j += 8) {
                        Interleaved.transpose8x8(data, src + r * rowBytes + 2 + j, rowBytes, to, dst + 2 * ROWS + j * ROWS + r, ROWS);
                    }
                }
            }
        });
        return new InterleavedQ4_0(packed, groups * ROWS, nb);
    }

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
}
