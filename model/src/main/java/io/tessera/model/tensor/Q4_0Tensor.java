package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0: blocks of 32 as {fp16 d, uint8 qs[16]}; value j = ((qs[j] & 15) - 8) * d, value j+16 = ((qs[j] >> 4) - 8) * d.
 * Dot as llama.cpp's AVX2 path for Q4_0, which repacks the weights and runs ggml_gemv_q4_0_8x8_q8_0: per row,
 * acc = fma(sum_block(q_w * q_x), d_w * d_x, acc), one block after the other.
 */
final class Q4_0Tensor extends Q8Tensor {
    Q4_0Tensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q4_0, rows, cols, data, false);
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
