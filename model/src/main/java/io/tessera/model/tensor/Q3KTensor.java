package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q3_K: blocks of 256 as {uint8 hmask[32], uint8 qs[64], uint8 scales[12] (sixteen 6-bit scales, offset 32),
 * fp16 d}; value = d * (scale - 32) * (q2 - (hmask bit set ? 0 : 4)). Dot as ggml_vec_dot_q3_K_q8_K (AVX2).
 */
final class Q3KTensor extends KQuantTensor {
    Q3KTensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q3_K, rows, cols, data);
    }

    /** Signed scale i (0..15) unpacked from the 12 scale bytes at {@code off}. */
    static int scale(MemorySegment s, long off, int i) {
        int low = i < 8 ? Fp.u8(s, off + i) & 0xF : (Fp.u8(s, off + i - 8) & 0xFF) >>> 4;
        int high = ((Fp.u8(s, off + 8 + (i & 3)) & 0xFF) >>> (2 * (i >> 2))) & 3;
        return (low | high << 4) - 32;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            float dAll = Fp.f16(data, o + 108);
            int y = dstOff + b * 256, is = 0, m = 1;
            for (int n = 0; n < 2; n++) {
                long q = o + 32 + 32 * n;
                for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                    for (int half = 0; half < 2; half++) {
                        float dl = dAll * scale(data, o + 96, is++);
                        for (int l = 16 * half; l < 16 * half + 16; l++) {
                            int q2 = ((Fp.u8(data, q + l) & 0xFF) >> shift) & 3;
                            int h = (Fp.u8(data, o + l) & m) != 0 ? 0 : 4;
                            dst[y++] = dl * (q2 - h);
                        }
                    }
                }
            }
        }
    }

    @Override
    float dot(int row, Q8KInput in) {
        FloatVector acc = FloatVector.zero(Fp.F256);
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            int yb = b * 256;
            float d = in.d[b] * Fp.f16(data, o + 108);
            ByteVector hmask = Fp.load(data, o);
            IntVector sumi = IntVector.zero(Fp.I256);
            for (int n = 0; n < 2; n++) {
                ByteVector bits = Fp.load(data, o + 32 + 32 * n);
                for (int j = 0; j < 4; j++) {
                    ByteVector low = j == 0 ? bits.and((byte) 3) : Fp.shiftMask(bits, 2 * j, 3);
                    // 4 when the high bit is set, else 0; the value is low + that - 4
                    ByteVector high = hmask.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4 * n + j)
                            .and((short) 0x0101).lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes();
                    ByteVector q = low.add(high).sub((byte) 4);
                    IntVector scales = Fp.halves(scale(data, o + 96, 8 * n + 2 * j), scale(data, o + 96, 8 * n + 2 * j + 1));
                    sumi = sumi.add(Fp.groupDot(q, in.evenOdd, yb + 128 * n + 32 * j).mul(scales));
                }
            }
            acc = Fp.fmaLanes(sumi, d, acc);
        }
        return Fp.hsum8(acc);
    }
}
