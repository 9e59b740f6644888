package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q6_K: blocks of 256 as {uint8 ql[128], uint8 qh[64], int8 scales[16], fp16 d}; value = d * scale * (q - 32)
 * with q = 4 low bits from ql and 2 high bits from qh. Dot as ggml_vec_dot_q6_K_q8_K (AVX2): unsigned q times
 * the activations per lane, minus 32 * sum(scale * bsum) per lane, then eight float lanes.
 */
final class Q6KTensor extends KQuantTensor {
    Q6KTensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q6_K, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            float d = Fp.f16(data, o + 208);
            for (int n = 0; n < 2; n++) {
                long ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n;
                int y = dstOff + b * 256 + 128 * n;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int a = Fp.u8(data, ql + l) & 0xFF, c = Fp.u8(data, ql + l + 32) & 0xFF, h = Fp.u8(data, qh + l) & 0xFF;
                    int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((c & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = ((c >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * Fp.u8(data, sc + is) * q1;
                    dst[y + l + 32] = d * Fp.u8(data, sc + is + 2) * q2;
                    dst[y + l + 64] = d * Fp.u8(data, sc + is + 4) * q3;
                    dst[y + l + 96] = d * Fp.u8(data, sc + is + 6) * q4;
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
            float d = in.d[b] * Fp.f16(data, o + 208);
            IntVector sumi = IntVector.zero(Fp.I256);
            for (int n = 0; n < 2; n++) {
                ByteVector bits1 = Fp.load(data, o + 64 * n);
                ByteVector bits2 = Fp.load(data, o + 64 * n + 32);
                ByteVector h = Fp.load(data, o + 128 + 32 * n);
                ByteVector q0 = bits1.and((byte) 0xF).or(shl(h.and((byte) 3), 4));
                ByteVector q1 = bits2.and((byte) 0xF).or(shl(h.and((byte) 12), 2));
                ByteVector q2 = Fp.shiftMask(bits1, 4, 0xF).or(h.and((byte) 48));
                ByteVector q3 = Fp.shiftMask(bits2, 4, 0xF).or(Fp.shiftMask(h.and((byte) 0xC0), 2, 0x30));
                long sc = o + 192 + 8 * n;
                int y = yb + 128 * n;
                sumi = sumi.add(Fp.groupDot(q0, in.evenOdd, y).mul(Fp.halves(Fp.u8(data, sc), Fp.u8(data, sc + 1))))
                        .add(Fp.groupDot(q1, in.evenOdd, y + 32).mul(Fp.halves(Fp.u8(data, sc + 2), Fp.u8(data, sc + 3))))
                        .add(Fp.groupDot(q2, in.evenOdd, y + 64).mul(Fp.halves(Fp.u8(data, sc + 4), Fp.u8(data, sc + 5))))
                        .add(Fp.groupDot(q3, in.evenOdd, y + 96).mul(Fp.halves(Fp.u8(data, sc + 6), Fp.u8(data, sc + 7))));
            }
            // lane k: 32 * (scale[2k] * bsum[2k] + scale[2k+1] * bsum[2k+1])
            IntVector scPairs = (IntVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 192, Fp.LE)
                    .reinterpretAsShorts().convertShape(VectorOperators.S2I, Fp.I256, 0);
            IntVector scEven = scPairs.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24);
            IntVector scOdd = scPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24);
            IntVector sub = scEven.mul(IntVector.fromArray(Fp.I256, in.bsEven, 8 * b))
                    .add(scOdd.mul(IntVector.fromArray(Fp.I256, in.bsOdd, 8 * b)))
                    .lanewise(VectorOperators.LSHL, 5);
            acc = Fp.fmaLanes(sumi.sub(sub), d, acc);
        }
        return Fp.hsum8(acc);
    }

    private static ByteVector shl(ByteVector b, int n) {
        return b.reinterpretAsShorts().lanewise(VectorOperators.LSHL, n).reinterpretAsBytes();
    }
}
