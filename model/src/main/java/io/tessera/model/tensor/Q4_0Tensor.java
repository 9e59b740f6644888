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
     * (nibbles taken unsigned, minus 8 * sum of the block's activations) are reduced into eight lanes together.
     * The row loop goes through memory and is left for C2 to unroll: written out, the kernel exceeds C2's
     * inlining budget (NodeCountInliningCutoff) and falls off the vector intrinsics.
     */
    @Override
    int matvecRows(Q8Input in, float[] out, int outOff, int rowFrom, int rowTo) {
        Scratch scratch = Scratch.get();
        int r = rowFrom;
        for (; r + 8 <= rowTo; r += 8) rows8(in, r, out, outOff + r, scratch.scales, scratch.ints);
        return r;
    }

    private void rows8(Q8Input in, int r0, float[] out, int off, float[] sc, int[] parts) {
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
            for (int k = 0; k < 8; k++) {
                block(data, o + k * rb, ylo, yhi).intoArray(parts, 8 * k);
                sc[k] = Fp.f16(data, o + k * rb) * d;
            }
            IntVector s = Fp.transposeSum(parts).sub(isum[b] << 3);
            acc = Fp.toFloat(s).fma(FloatVector.fromArray(Fp.F256, sc, 0), acc);
        }
        acc.intoArray(out, off);
    }

    /** Eight int lanes summing to the block's dot with the nibbles taken unsigned (0..15). */
    static IntVector block(MemorySegment data, long o, ShortVector ylo, ShortVector yhi) {
        ShortVector z = (ShortVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 2, Fp.LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, Fp.S256, 0);
        return Fp.pairs16(z.and((short) 0xF).mul(ylo).add(z.lanewise(VectorOperators.LSHR, 4).mul(yhi)));
    }

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
