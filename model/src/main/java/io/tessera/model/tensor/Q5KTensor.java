package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

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
        FloatVector acc = FloatVector.zero(Fp.F256);
        float summs = 0;
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            int yb = b * 256;
            float d = in.d[b] * Fp.f16(data, o);
            float dmin = -in.d[b] * Fp.f16(data, o + 2);
            int prod = 0;
            for (int j = 0; j < 8; j++) {
                prod += scaleMinK4(data, o + 4, j, 1) * (in.bsums[16 * b + 2 * j] + in.bsums[16 * b + 2 * j + 1]);
            }
            summs = Math.fma(dmin, (float) prod, summs);
            ByteVector qh = Fp.load(data, o + 16);
            IntVector sumi = IntVector.zero(Fp.I256);
            for (int j = 0; j < 4; j++) {
                ByteVector q = Fp.load(data, o + 48 + 32 * j);
                ByteVector lo = q.and((byte) 0xF).add(fifthBit(qh, 2 * j));
                ByteVector hi = Fp.shiftMask(q, 4, 0xF).add(fifthBit(qh, 2 * j + 1));
                sumi = sumi.add(Fp.groupDot(lo, in.evenOdd, yb + 64 * j).mul(scaleMinK4(data, o + 4, 2 * j, 0)))
                        .add(Fp.groupDot(hi, in.evenOdd, yb + 64 * j + 32).mul(scaleMinK4(data, o + 4, 2 * j + 1, 0)));
            }
            acc = Fp.fmaLanes(sumi, d, acc);
        }
        return Fp.hsum8(acc) + summs;
    }
}
