package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * Q4_0: blocks of 32 as {fp16 d, uint8 qs[16]}; value j = ((qs[j] & 15) - 8) * d, value j+16 = ((qs[j] >> 4) - 8) * d.
 * Dot as llama.cpp's AVX2 path for Q4_0, which repacks the weights and runs ggml_gemv_q4_0_8x8_q8_0: per row,
 * acc = fma(sum_block(q_w * q_x), d_w * d_x, acc), one block after the other.
 */
final class Q4_0Tensor extends Q8Tensor {
    /** The rows again with 32 rows interleaved, for the products; null where not made (see {@link InterleavedQ4_0}). */
    private final InterleavedQ4_0 interleaved;

    Q4_0Tensor(int rows, int cols, MemorySegment data) {
        this(rows, cols, data, null);
    }

    /** @param alloc where the interleaved copy goes, or null to multiply in the file's layout */
    Q4_0Tensor(int rows, int cols, MemorySegment data, SegmentAllocator alloc) {
        super(GGMLType.Q4_0, rows, cols, data, false);
        this.interleaved = Interleaved.worthwhile(alloc, rows) ? InterleavedQ4_0.of(data, rows, cols, alloc) : null;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            float d = Fp.f16(data, o);
            int base = dstOff + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = Fp.u8(data, o + 2 + j) & 0xFF;
                dst[base + j] = ((q & 0xF) - 8) * d;
                dst[base + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /**
     * Rows in groups of eight, one float lane per row as ggml_gemv_q4_0_8x8_q8_0: per block the eight integer dots
     * (nibbles taken unsigned, minus 8 * sum of the block's activations) are reduced into eight lanes together
     * by a transposed tree (three levels of blend + lane swap + add).
     */
    @Override
    int matvecRows(Q8Input in, float[] out, int outOff, int rowFrom, int rowTo) {
        if (interleaved != null) {
            int groupFrom = Interleaved.groupFrom(rowFrom), groupTo = interleaved.groupTo(rowTo);
            if (groupFrom >= groupTo) return rowFrom;
            for (int r = rowFrom; r < groupFrom * Interleaved.ROWS; r++) out[outOff + r] = dot(r, in);
            interleaved.matvec(in, out, outOff, groupFrom, groupTo);
            return groupTo * Interleaved.ROWS;
        }
        Scratch scratch = Scratch.get();
        int r = rowFrom;
        for (; r + 8 <= rowTo; r += 8) rows8(in, r, out, outOff + r, scratch.scales);
        return r;
    }

    /**
     * Written out without helper methods: C2 always inlines the Vector API itself, but stops inlining ordinary
     * methods in a kernel this large (NodeCountInliningCutoff), which would box the vectors.
     */
    private void rows8(Q8Input in, int r0, float[] out, int off, float[] sc) {
        MemorySegment data = this.data;
        long rb = rowBytes;
        short[] y = in.natural;
        float[] dx = in.d;
        int[] isum = in.isum;
        FloatVector acc = FloatVector.zero(Fp.F256);
        long o = r0 * rb;
        for (int b = 0; b < blocksPerRow; b++, o += 18) {
            ShortVector ylo = ShortVector.fromArray(Fp.S256, y, b * 32);
            ShortVector yhi = ShortVector.fromArray(Fp.S256, y, b * 32 + 16);
            float d = dx[b];
            ShortVector z0 = (ShortVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 2, Fp.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Fp.S256, 0);
            IntVector v0 = z0.and(Fp.S_000F).mul(ylo).add(z0.lanewise(VectorOperators.LSHR, 4).mul(yhi)).add(BIAS_V).reinterpretAsInts();
            sc[0] = Float.float16ToFloat(data.get(Fp.SHORT, o)) * d;
            ShortVector z1 = (ShortVector) ByteVector.fromMemorySegment(Fp.B128, data, o + rb + 2, Fp.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Fp.S256, 0);
            IntVector v1 = z1.and(Fp.S_000F).mul(ylo).add(z1.lanewise(VectorOperators.LSHR, 4).mul(yhi)).add(BIAS_V).reinterpretAsInts();
            sc[1] = Float.float16ToFloat(data.get(Fp.SHORT, o + rb)) * d;
            ShortVector z2 = (ShortVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 2 * rb + 2, Fp.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Fp.S256, 0);
            IntVector v2 = z2.and(Fp.S_000F).mul(ylo).add(z2.lanewise(VectorOperators.LSHR, 4).mul(yhi)).add(BIAS_V).reinterpretAsInts();
            sc[2] = Float.float16ToFloat(data.get(Fp.SHORT, o + 2 * rb)) * d;
            ShortVector z3 = (ShortVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 3 * rb + 2, Fp.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Fp.S256, 0);
            IntVector v3 = z3.and(Fp.S_000F).mul(ylo).add(z3.lanewise(VectorOperators.LSHR, 4).mul(yhi)).add(BIAS_V).reinterpretAsInts();
            sc[3] = Float.float16ToFloat(data.get(Fp.SHORT, o + 3 * rb)) * d;
            ShortVector z4 = (ShortVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 4 * rb + 2, Fp.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Fp.S256, 0);
            IntVector v4 = z4.and(Fp.S_000F).mul(ylo).add(z4.lanewise(VectorOperators.LSHR, 4).mul(yhi)).add(BIAS_V).reinterpretAsInts();
            sc[4] = Float.float16ToFloat(data.get(Fp.SHORT, o + 4 * rb)) * d;
            ShortVector z5 = (ShortVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 5 * rb + 2, Fp.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Fp.S256, 0);
            IntVector v5 = z5.and(Fp.S_000F).mul(ylo).add(z5.lanewise(VectorOperators.LSHR, 4).mul(yhi)).add(BIAS_V).reinterpretAsInts();
            sc[5] = Float.float16ToFloat(data.get(Fp.SHORT, o + 5 * rb)) * d;
            ShortVector z6 = (ShortVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 6 * rb + 2, Fp.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Fp.S256, 0);
            IntVector v6 = z6.and(Fp.S_000F).mul(ylo).add(z6.lanewise(VectorOperators.LSHR, 4).mul(yhi)).add(BIAS_V).reinterpretAsInts();
            sc[6] = Float.float16ToFloat(data.get(Fp.SHORT, o + 6 * rb)) * d;
            ShortVector z7 = (ShortVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 7 * rb + 2, Fp.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Fp.S256, 0);
            IntVector v7 = z7.and(Fp.S_000F).mul(ylo).add(z7.lanewise(VectorOperators.LSHR, 4).mul(yhi)).add(BIAS_V).reinterpretAsInts();
            sc[7] = Float.float16ToFloat(data.get(Fp.SHORT, o + 7 * rb)) * d;
            IntVector a = v0.blend(v1, Fp.ODD_1).add(v1.blend(v0, Fp.ODD_1).rearrange(Fp.SWAP_1));
            IntVector c = v2.blend(v3, Fp.ODD_1).add(v3.blend(v2, Fp.ODD_1).rearrange(Fp.SWAP_1));
            IntVector e = v4.blend(v5, Fp.ODD_1).add(v5.blend(v4, Fp.ODD_1).rearrange(Fp.SWAP_1));
            IntVector g = v6.blend(v7, Fp.ODD_1).add(v7.blend(v6, Fp.ODD_1).rearrange(Fp.SWAP_1));
            IntVector ac = a.blend(c, Fp.ODD_2).add(c.blend(a, Fp.ODD_2).rearrange(Fp.SWAP_2));
            IntVector eg = e.blend(g, Fp.ODD_2).add(g.blend(e, Fp.ODD_2).rearrange(Fp.SWAP_2));
            IntVector v = ac.blend(eg, Fp.UPPER_HALF).add(eg.blend(ac, Fp.UPPER_HALF).rearrange(Fp.SWAP_4));
            // lane k: low halves + 65536 * high halves of row k's biased 16-bit partial sums (see BIAS)
            IntVector s = v.lanewise(VectorOperators.LSHR, 16).add(v.and(0xFFFF)).sub((isum[b] << 3) + 16 * BIAS);
            acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Fp.F256, sc, 0), acc);
        }
        acc.intoArray(out, off);
    }

    /**
     * Batched product for prompt processing, bit for bit {@link #matvec} per token: a block's integer dot
     * sum((q_w - 8) * q_x) is at most 32 * 8 * 128 in size, so float FMAs compute it exactly in any order, and
     * float lanes can hold eight tokens at once (the activations transposed, the weights broadcast). Four rows
     * share each activation load; each block of weights is unpacked once for all tokens and then
     * acc = fma(sum, d_w * d_x, acc) per row and token, as the matvec does.
     */
    @Override
    public void matmul(PreparedInput[] xs, int count, float[][] out, int rowFrom, int rowTo) {
        if (interleaved != null) {
            matmulInterleaved(xs, count, out, rowFrom, rowTo);
            return;
        }
        int tiles = count / 8, nb = blocksPerRow;
        int rowEnd = rowFrom + (rowTo - rowFrom) / 4 * 4;
        if (tiles == 0 || rowEnd == rowFrom) {
            super.matmul(xs, count, out, rowFrom, rowTo);
            return;
        }
        Scratch scratch = Scratch.get();
        // per tile: the activations as floats, xt[((tile * nb + b) * 32 + j) * 8 + k] for token tile * 8 + k; their scales;
        // then the 4 rows x 8 tokens accumulators of every tile, and the unpacked weights of one block of 4 rows
        int xtLen = tiles * nb * 256, dxLen = tiles * nb * 8, accLen = tiles * 32;
        float[] f = scratch.floats(xtLen + dxLen + accLen + 128);
        int dxOff = xtLen, accOff = xtLen + dxLen, wOff = accOff + accLen;
        for (int tile = 0; tile < tiles; tile++) {
            for (int k = 0; k < 8; k++) {
                Q8Input in = Q8Input.check(xs[tile * 8 + k], cols, false);
                for (int b = 0; b < nb; b++) {
                    int base = (tile * nb + b) * 256 + k;
                    for (int j = 0; j < 32; j++) f[base + j * 8] = in.qs[b * 32 + j];
                    f[dxOff + (tile * nb + b) * 8 + k] = in.d[b];
                }
            }
        }
        for (int r = rowFrom; r < rowEnd; r += 4) {
            java.util.Arrays.fill(f, accOff, accOff + accLen, 0f);
            long o = r * rowBytes;
            for (int b = 0; b < nb; b++, o += 18) {
                for (int i = 0; i < 4; i++) {
                    ByteVector z = ByteVector.fromMemorySegment(Fp.B128, data, o + i * rowBytes + 2, Fp.LE);
                    ByteVector lo = z.and((byte) 0xF).sub((byte) 8), hi = z.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
                    ((FloatVector) lo.convertShape(VectorOperators.B2F, Fp.F256, 0)).intoArray(f, wOff + i * 32);
                    ((FloatVector) lo.convertShape(VectorOperators.B2F, Fp.F256, 1)).intoArray(f, wOff + i * 32 + 8);
                    ((FloatVector) hi.convertShape(VectorOperators.B2F, Fp.F256, 0)).intoArray(f, wOff + i * 32 + 16);
                    ((FloatVector) hi.convertShape(VectorOperators.B2F, Fp.F256, 1)).intoArray(f, wOff + i * 32 + 24);
                }
                float d0 = Fp.f16(data, o), d1 = Fp.f16(data, o + rowBytes), d2 = Fp.f16(data, o + 2 * rowBytes), d3 = Fp.f16(data, o + 3 * rowBytes);
                for (int tile = 0; tile < tiles; tile++) {
                    // two chains per row (values 0-15 and 16-31) to keep both FMA units busy; integer sums, so exact
                    FloatVector s0 = FloatVector.zero(Fp.F256), s1 = s0, s2 = s0, s3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
                    int xb = (tile * nb + b) * 256;
                    for (int j = 0; j < 16; j++) {
                        FloatVector x = FloatVector.fromArray(Fp.F256, f, xb + j * 8);
                        FloatVector y = FloatVector.fromArray(Fp.F256, f, xb + j * 8 + 128);
                        s0 = x.fma(FloatVector.broadcast(Fp.F256, f[wOff + j]), s0);
                        s1 = x.fma(FloatVector.broadcast(Fp.F256, f[wOff + 32 + j]), s1);
                        s2 = x.fma(FloatVector.broadcast(Fp.F256, f[wOff + 64 + j]), s2);
                        s3 = x.fma(FloatVector.broadcast(Fp.F256, f[wOff + 96 + j]), s3);
                        u0 = y.fma(FloatVector.broadcast(Fp.F256, f[wOff + 16 + j]), u0);
                        u1 = y.fma(FloatVector.broadcast(Fp.F256, f[wOff + 48 + j]), u1);
                        u2 = y.fma(FloatVector.broadcast(Fp.F256, f[wOff + 80 + j]), u2);
                        u3 = y.fma(FloatVector.broadcast(Fp.F256, f[wOff + 112 + j]), u3);
                    }
                    s0 = s0.add(u0);
                    s1 = s1.add(u1);
                    s2 = s2.add(u2);
                    s3 = s3.add(u3);
                    FloatVector dx = FloatVector.fromArray(Fp.F256, f, dxOff + (tile * nb + b) * 8);
                    int a = accOff + tile * 32;
                    s0.fma(dx.mul(d0), FloatVector.fromArray(Fp.F256, f, a)).intoArray(f, a);
                    s1.fma(dx.mul(d1), FloatVector.fromArray(Fp.F256, f, a + 8)).intoArray(f, a + 8);
                    s2.fma(dx.mul(d2), FloatVector.fromArray(Fp.F256, f, a + 16)).intoArray(f, a + 16);
                    s3.fma(dx.mul(d3), FloatVector.fromArray(Fp.F256, f, a + 24)).intoArray(f, a + 24);
                }
            }
            for (int tile = 0; tile < tiles; tile++) {
                for (int i = 0; i < 4; i++) {
                    for (int k = 0; k < 8; k++) out[tile * 8 + k][r + i] = f[accOff + tile * 32 + i * 8 + k];
                }
            }
        }
        if (rowEnd < rowTo) super.matmul(xs, tiles * 8, out, rowEnd, rowTo);
        if (tiles * 8 < count) {
            for (int t = tiles * 8; t < count; t++) matvec(xs[t], out[t], 0, rowFrom, rowTo);
        }
    }

    /** Whole groups of 32 rows through the interleaved copy, a chunk of groups (kept in cache) at a time; other rows by {@link #dot}. */
    private void matmulInterleaved(PreparedInput[] xs, int count, float[][] out, int rowFrom, int rowTo) {
        int g = Interleaved.ROWS, groupFrom = Interleaved.groupFrom(rowFrom), groupTo = interleaved.groupTo(rowTo);
        int headTo = Math.min(rowTo, Math.max(rowFrom, groupFrom * g)), tailFrom = Math.max(headTo, groupTo * g);
        for (int t = 0; t < count; t++) {
            Q8Input in = Q8Input.check(xs[t], cols, false);
            for (int r = rowFrom; r < headTo; r++) out[t][r] = dot(r, in);
            for (int r = tailFrom; r < rowTo; r++) out[t][r] = dot(r, in);
        }
        int chunk = matmulRowChunk() / g;
        for (int c = groupFrom; c < groupTo; c += chunk) interleaved.matmul(xs, count, out, c, Math.min(groupTo, c + chunk));
    }

    @Override
    int matmulRowChunk() {
        return interleaved == null ? super.matmulRowChunk() : Interleaved.wholeGroups(super.matmulRowChunk());
    }

    /**
     * Added to every 16-bit partial sum p_i (|p_i| <= 2 * 15 * 127, nibbles taken unsigned) so that they lie in
     * [286, 7906], two per int lane: summing the eight ints of a row can neither carry from the low into the high
     * half nor overflow 32 bits (taken unsigned), which saves widening 16-bit lanes to 32 bits before the tree.
     */
    private static final short BIAS = 4096;
    private static final ShortVector BIAS_V = ShortVector.broadcast(Fp.S256, BIAS);

    @Override
    float dot(int row, Q8Input in) {
        float acc = 0;
        long o = row * rowBytes;
        short[] y = in.natural;
        for (int b = 0; b < blocksPerRow; b++, o += 18) {
            ShortVector z = (ShortVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 2, Fp.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, Fp.S256, 0);
            ShortVector lo = z.and((short) 0xF).sub((short) 8);
            ShortVector hi = z.lanewise(VectorOperators.LSHR, 4).sub((short) 8);
            // |sum| <= 32 * 8 * 127 fits in 16 bits, so the wrapping short reduction is exact
            short sumi = lo.mul(ShortVector.fromArray(Fp.S256, y, b * 32))
                    .add(hi.mul(ShortVector.fromArray(Fp.S256, y, b * 32 + 16)))
                    .reduceLanes(VectorOperators.ADD);
            acc = Math.fma((float) sumi, Fp.f16(data, o) * in.d[b], acc);
        }
        return acc;
    }
}
