package io.tessera.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static io.tessera.model.tensor.KQuantTensor.scaleMinK4;

/**
 * The first (straightforward, slow) K-quant dot kernels, kept as references: the fast kernels must give the same
 * bits. {@code o} is the offset of the row's first block.
 */
final class LegacyDots {
    private LegacyDots() {}

    static float q2k(MemorySegment data, long row0, int blocksPerRow, Q8KInput in) {
        FloatVector acc = FloatVector.zero(Fp.F256);
        for (int b = 0; b < blocksPerRow; b++) {
            long o = row0 + b * (long) 84;
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

    static float q3k(MemorySegment data, long row0, int blocksPerRow, Q8KInput in) {
        FloatVector acc = FloatVector.zero(Fp.F256);
        for (int b = 0; b < blocksPerRow; b++) {
            long o = row0 + b * (long) 110;
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
                    IntVector scales = Fp.halves(Q3KTensor.scale(data, o + 96, 8 * n + 2 * j), Q3KTensor.scale(data, o + 96, 8 * n + 2 * j + 1));
                    sumi = sumi.add(Fp.groupDot(q, in.evenOdd, yb + 128 * n + 32 * j).mul(scales));
                }
            }
            acc = Fp.fmaLanes(sumi, d, acc);
        }
        return Fp.hsum8(acc);
    }

    static float q4k(MemorySegment data, long row0, int blocksPerRow, Q8KInput in) {
        float acc = 0, accMin = 0;
        for (int b = 0; b < blocksPerRow; b++) {
            long o = row0 + b * (long) 144;
            int yb = b * 256;
            IntVector sumi = IntVector.zero(Fp.I256);
            int summ = 0;
            for (int j = 0; j < 4; j++) {
                ByteVector q = Fp.load(data, o + 16 + 32 * j);
                IntVector lo = Fp.groupDot(q.and((byte) 0xF), in.evenOdd, yb + 64 * j);
                IntVector hi = Fp.groupDot(Fp.shiftMask(q, 4, 0xF), in.evenOdd, yb + 64 * j + 32);
                sumi = sumi.add(lo.mul(scaleMinK4(data, o + 4, 2 * j, 0)))
                        .add(hi.mul(scaleMinK4(data, o + 4, 2 * j + 1, 0)));
                int bs = 16 * b + 4 * j;
                summ += scaleMinK4(data, o + 4, 2 * j, 1) * (in.bsums[bs] + in.bsums[bs + 1])
                        + scaleMinK4(data, o + 4, 2 * j + 1, 1) * (in.bsums[bs + 2] + in.bsums[bs + 3]);
            }
            float dx = in.d[b];
            acc = Math.fma((float) sumi.reduceLanes(VectorOperators.ADD), Fp.f16(data, o) * dx, acc);
            accMin = Math.fma((float) summ, Fp.f16(data, o + 2) * dx, accMin);
        }
        return acc - accMin;
    }

    static float q5k(MemorySegment data, long row0, int blocksPerRow, Q8KInput in) {
        FloatVector acc = FloatVector.zero(Fp.F256);
        float summs = 0;
        for (int b = 0; b < blocksPerRow; b++) {
            long o = row0 + b * (long) 176;
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
                ByteVector lo = q.and((byte) 0xF).add(fifthBit5(qh, 2 * j));
                ByteVector hi = Fp.shiftMask(q, 4, 0xF).add(fifthBit5(qh, 2 * j + 1));
                sumi = sumi.add(Fp.groupDot(lo, in.evenOdd, yb + 64 * j).mul(scaleMinK4(data, o + 4, 2 * j, 0)))
                        .add(Fp.groupDot(hi, in.evenOdd, yb + 64 * j + 32).mul(scaleMinK4(data, o + 4, 2 * j + 1, 0)));
            }
            acc = Fp.fmaLanes(sumi, d, acc);
        }
        return Fp.hsum8(acc) + summs;
    }

    static float q6k(MemorySegment data, long row0, int blocksPerRow, Q8KInput in) {
        FloatVector acc = FloatVector.zero(Fp.F256);
        for (int b = 0; b < blocksPerRow; b++) {
            long o = row0 + b * (long) 210;
            int yb = b * 256;
            float d = in.d[b] * Fp.f16(data, o + 208);
            IntVector sumi = IntVector.zero(Fp.I256);
            for (int n = 0; n < 2; n++) {
                ByteVector bits1 = Fp.load(data, o + 64 * n);
                ByteVector bits2 = Fp.load(data, o + 64 * n + 32);
                ByteVector h = Fp.load(data, o + 128 + 32 * n);
                ByteVector q0 = bits1.and((byte) 0xF).or(shl6(h.and((byte) 3), 4));
                ByteVector q1 = bits2.and((byte) 0xF).or(shl6(h.and((byte) 12), 2));
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


    private static ByteVector shl6(ByteVector b, int n) {
        return b.reinterpretAsShorts().lanewise(VectorOperators.LSHL, n).reinterpretAsBytes();
    }

    private static ByteVector fifthBit5(ByteVector qh, int bit) {
        return qh.reinterpretAsShorts().lanewise(VectorOperators.LSHR, bit).and((short) 0x0101)
                .lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes();
    }
}
