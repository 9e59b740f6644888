package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q5_K: blocks of 256 as {fp16 d, fp16 dmin, uint8 scales[12], uint8 qh[32], uint8 qs[128]}; like Q4_K with a
 * fifth bit per value (bit 2j / 2j+1 of qh[l] for the low / high nibbles of sub-block pair j).
 * Dot as ggml_vec_dot_q5_K_q8_K (AVX2): eight float lanes plus a scalar running sum of the min terms.
 */
final class Q5KTensor extends KQuantTensor {
    Q5KTensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q5_K, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            float d = Fp.f16(data, o), min = Fp.f16(data, o + 2);
            int y = dstOff + b * 256;
            for (int j = 0; j < 4; j++) {
                float d1 = d * scaleMinK4(data, o + 4, 2 * j, 0), m1 = min * scaleMinK4(data, o + 4, 2 * j, 1);
                float d2 = d * scaleMinK4(data, o + 4, 2 * j + 1, 0), m2 = min * scaleMinK4(data, o + 4, 2 * j + 1, 1);
                for (int l = 0; l < 32; l++) {
                    int q = Fp.u8(data, o + 48 + 32 * j + l) & 0xFF;
                    int h = Fp.u8(data, o + 16 + l) & 0xFF;
                    dst[y + 64 * j + l] = d1 * ((q & 0xF) + ((h >>> (2 * j)) & 1) * 16) - m1;
                    dst[y + 64 * j + 32 + l] = d2 * ((q >>> 4) + ((h >>> (2 * j + 1)) & 1) * 16) - m2;
                }
            }
        }
    }

    /** Bit {@code bit} of every byte, moved to bit 4 (value 0 or 16). */
    private static ByteVector fifthBit(ByteVector qh, int bit) {
        return qh.reinterpretAsShorts().lanewise(jdk.incubator.vector.VectorOperators.LSHR, bit).and((short) 0x0101)
                .lanewise(jdk.incubator.vector.VectorOperators.LSHL, 4).reinterpretAsBytes();
    }

    @Override
    float dot(int row, Q8KInput in) {
        MemorySegment data = this.data;
        short[] y = in.evenOdd;
        int[] bs = in.bsums;
        float[] dx = in.d;
        FloatVector acc = FloatVector.zero(Fp.F256);
        float summs = 0;
        long o = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++, o += 176) {
            float d = dx[b] * Fp.f16(data, o);
            float dmin = -dx[b] * Fp.f16(data, o + 2);
            long scales = scales(data, o + 4), mins = mins(data, o + 4);
            int prod = 0;
            for (int i = 0; i < 8; i++) prod += (int) (mins >>> 8 * i & 0xFF) * (bs[16 * b + 2 * i] + bs[16 * b + 2 * i + 1]);
            summs = Math.fma(dmin, (float) prod, summs);
            ShortVector qh = Fp.loadShorts(data, o + 16);
            IntVector sumi = IntVector.zero(Fp.I256);
            // sub-block i = 2j + h (h = 0: low nibbles, 1: high nibbles), fifth bit = bit i of qh
            for (int i = 0; i < 8; i++) {
                int j = i >> 1, h = i & 1;
                ShortVector q = Fp.loadShorts(data, o + 48 + 32 * j).lanewise(VectorOperators.LSHR, 4 * h).and(Fp.S_0F0F)
                        .or(qh.lanewise(VectorOperators.LSHR, i).and(Fp.S_0101).lanewise(VectorOperators.LSHL, 4));
                sumi = sumi.add(Fp.groupDotU(q, y, 256 * b + 32 * i).mul((int) (scales >>> 8 * i & 0xFF)));
            }
            acc = Fp.fmaLanes(sumi, d, acc);
        }
        return Fp.hsum8(acc, Scratch.get().scales) + summs;
    }
}
