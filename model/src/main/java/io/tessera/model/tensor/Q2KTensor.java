package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q2_K: blocks of 256 as {uint8 scales[16] (low nibble scale, high nibble min), uint8 qs[64], fp16 d, fp16 dmin};
 * sub-block of 16: value = d * (sc & 15) * q - dmin * (sc >> 4), q 2 bits. Dot as ggml_vec_dot_q2_K_q8_K (AVX2).
 */
final class Q2KTensor extends KQuantTensor {
    Q2KTensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q2_K, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            float d = Fp.f16(data, o + 80), min = Fp.f16(data, o + 82);
            int y = dstOff + b * 256, is = 0;
            for (int n = 0; n < 2; n++) {
                long q = o + 16 + 32 * n;
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int half = 0; half < 2; half++) {
                        int sc = Fp.u8(data, o + is++) & 0xFF;
                        float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                        for (int l = 0; l < 16; l++) {
                            dst[y++] = dl * (((Fp.u8(data, q + 16 * half + l) & 0xFF) >> shift) & 3) - ml;
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
            float d = in.d[b] * Fp.f16(data, o + 80);
            float dmin = -in.d[b] * Fp.f16(data, o + 82);
            // lane k: min[2k] * bsum[2k] + min[2k+1] * bsum[2k+1]
            IntVector pairs = (IntVector) ByteVector.fromMemorySegment(Fp.B128, data, o, Fp.LE)
                    .reinterpretAsShorts().convertShape(VectorOperators.S2I, Fp.I256, 0);
            IntVector minEven = pairs.lanewise(VectorOperators.LSHR, 4).and(0xF);
            IntVector minOdd = pairs.lanewise(VectorOperators.LSHR, 12).and(0xF);
            IntVector prod = minEven.mul(IntVector.fromArray(Fp.I256, in.bsEven, 8 * b))
                    .add(minOdd.mul(IntVector.fromArray(Fp.I256, in.bsOdd, 8 * b)));
            acc = Fp.fmaLanes(prod, dmin, acc);
            IntVector sumi = IntVector.zero(Fp.I256);
            for (int n = 0; n < 2; n++) {
                ByteVector bits = Fp.load(data, o + 16 + 32 * n);
                for (int j = 0; j < 4; j++) {
                    ByteVector q = j == 0 ? bits.and((byte) 3) : Fp.shiftMask(bits, 2 * j, 3);
                    long sc = o + 8 * n + 2 * j;
                    IntVector scales = Fp.halves(Fp.u8(data, sc) & 0xF, Fp.u8(data, sc + 1) & 0xF);
                    sumi = sumi.add(Fp.groupDot(q, in.evenOdd, yb + 128 * n + 32 * j).mul(scales));
                }
            }
            acc = Fp.fmaLanes(sumi, d, acc);
        }
        return Fp.hsum8(acc);
    }
}
