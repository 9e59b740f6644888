package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
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
