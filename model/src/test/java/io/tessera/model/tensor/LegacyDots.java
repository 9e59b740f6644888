package io.tessera.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
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
            acc = fmaLanes(prod, dmin, acc);
            IntVector sumi = IntVector.zero(Fp.I256);
            for (int n = 0; n < 2; n++) {
                ByteVector bits = load(data, o + 16 + 32 * n);
                for (int j = 0; j < 4; j++) {
                    ByteVector q = j == 0 ? bits.and((byte) 3) : shiftMask(bits, 2 * j, 3);
                    long sc = o + 8 * n + 2 * j;
                    IntVector scales = Fp.halves(Fp.u8(data, sc) & 0xF, Fp.u8(data, sc + 1) & 0xF);
                    sumi = sumi.add(groupDot(q, in.evenOdd, yb + 128 * n + 32 * j).mul(scales));
                }
            }
            acc = fmaLanes(sumi, d, acc);
        }
        return Fp.hsum8(acc);
    }

    static float q3k(MemorySegment data, long row0, int blocksPerRow, Q8KInput in) {
        FloatVector acc = FloatVector.zero(Fp.F256);
        for (int b = 0; b < blocksPerRow; b++) {
            long o = row0 + b * (long) 110;
            int yb = b * 256;
            float d = in.d[b] * Fp.f16(data, o + 108);
            ByteVector hmask = load(data, o);
            IntVector sumi = IntVector.zero(Fp.I256);
            for (int n = 0; n < 2; n++) {
                ByteVector bits = load(data, o + 32 + 32 * n);
                for (int j = 0; j < 4; j++) {
                    ByteVector low = j == 0 ? bits.and((byte) 3) : shiftMask(bits, 2 * j, 3);
                    // 4 when the high bit is set, else 0; the value is low + that - 4
                    ByteVector high = hmask.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4 * n + j)
                            .and((short) 0x0101).lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes();
                    ByteVector q = low.add(high).sub((byte) 4);
                    IntVector scales = Fp.halves(Q3KTensor.scale(data, o + 96, 8 * n + 2 * j), Q3KTensor.scale(data, o + 96, 8 * n + 2 * j + 1));
                    sumi = sumi.add(groupDot(q, in.evenOdd, yb + 128 * n + 32 * j).mul(scales));
                }
            }
            acc = fmaLanes(sumi, d, acc);
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
                ByteVector q = load(data, o + 16 + 32 * j);
                IntVector lo = groupDot(q.and((byte) 0xF), in.evenOdd, yb + 64 * j);
                IntVector hi = groupDot(shiftMask(q, 4, 0xF), in.evenOdd, yb + 64 * j + 32);
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
            ByteVector qh = load(data, o + 16);
            IntVector sumi = IntVector.zero(Fp.I256);
            for (int j = 0; j < 4; j++) {
                ByteVector q = load(data, o + 48 + 32 * j);
                ByteVector lo = q.and((byte) 0xF).add(fifthBit5(qh, 2 * j));
                ByteVector hi = shiftMask(q, 4, 0xF).add(fifthBit5(qh, 2 * j + 1));
                sumi = sumi.add(groupDot(lo, in.evenOdd, yb + 64 * j).mul(scaleMinK4(data, o + 4, 2 * j, 0)))
                        .add(groupDot(hi, in.evenOdd, yb + 64 * j + 32).mul(scaleMinK4(data, o + 4, 2 * j + 1, 0)));
            }
            acc = fmaLanes(sumi, d, acc);
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
                ByteVector bits1 = load(data, o + 64 * n);
                ByteVector bits2 = load(data, o + 64 * n + 32);
                ByteVector h = load(data, o + 128 + 32 * n);
                ByteVector q0 = bits1.and((byte) 0xF).or(shl6(h.and((byte) 3), 4));
                ByteVector q1 = bits2.and((byte) 0xF).or(shl6(h.and((byte) 12), 2));
                ByteVector q2 = shiftMask(bits1, 4, 0xF).or(h.and((byte) 48));
                ByteVector q3 = shiftMask(bits2, 4, 0xF).or(shiftMask(h.and((byte) 0xC0), 2, 0x30));
                long sc = o + 192 + 8 * n;
                int y = yb + 128 * n;
                sumi = sumi.add(groupDot(q0, in.evenOdd, y).mul(Fp.halves(Fp.u8(data, sc), Fp.u8(data, sc + 1))))
                        .add(groupDot(q1, in.evenOdd, y + 32).mul(Fp.halves(Fp.u8(data, sc + 2), Fp.u8(data, sc + 3))))
                        .add(groupDot(q2, in.evenOdd, y + 64).mul(Fp.halves(Fp.u8(data, sc + 4), Fp.u8(data, sc + 5))))
                        .add(groupDot(q3, in.evenOdd, y + 96).mul(Fp.halves(Fp.u8(data, sc + 6), Fp.u8(data, sc + 7))));
            }
            // lane k: 32 * (scale[2k] * bsum[2k] + scale[2k+1] * bsum[2k+1])
            IntVector scPairs = (IntVector) ByteVector.fromMemorySegment(Fp.B128, data, o + 192, Fp.LE)
                    .reinterpretAsShorts().convertShape(VectorOperators.S2I, Fp.I256, 0);
            IntVector scEven = scPairs.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24);
            IntVector scOdd = scPairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24);
            IntVector sub = scEven.mul(IntVector.fromArray(Fp.I256, in.bsEven, 8 * b))
                    .add(scOdd.mul(IntVector.fromArray(Fp.I256, in.bsOdd, 8 * b)))
                    .lanewise(VectorOperators.LSHL, 5);
            acc = fmaLanes(sumi.sub(sub), d, acc);
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

    /** The first Q4_1 / Q5_0 / Q5_1 dot: quants unpacked with scalar code, then {@link Fp#groupDot}. */
    static float nibble(MemorySegment data, long row0, int blocksPerRow, int typeSize, boolean hasMin,
                        boolean hasHighBits, Q8Input in) {
        int qsOff = 2 + (hasMin ? 2 : 0) + (hasHighBits ? 4 : 0);
        byte[] q = new byte[32];
        FloatVector acc = FloatVector.zero(Fp.F256);
        float summs = 0;
        for (int b = 0; b < blocksPerRow; b++) {
            long o = row0 + (long) b * typeSize;
            int qh = hasHighBits ? data.get(Fp.INT, o + qsOff - 4) : 0;
            for (int j = 0; j < 16; j++) {
                int x = Fp.u8(data, o + qsOff + j) & 0xFF;
                q[j] = (byte) ((x & 0xF) | ((qh >>> j) & 1) << 4);
                q[j + 16] = (byte) ((x >>> 4) | ((qh >>> (j + 16)) & 1) << 4);
            }
            ByteVector w = ByteVector.fromArray(Fp.B256, q, 0);
            if (!hasMin) w = w.sub((byte) 16);
            if (hasMin) summs = Math.fma(Fp.f16(data, o + 2), in.s[b], summs);
            float d = Fp.f16(data, o) * in.d[b];
            acc = fmaLanes(groupDot(w, in.evenOdd, b * 32), d, acc);
        }
        return Fp.hsum8(acc) + summs;
    }

    /**
     * Dot product of 32 signed bytes {@code w} (element order) with 32 activations stored in {@link Q8Input#evenOdd}
     * layout at {@code yOff}: lane k of the result is the sum over elements 4k..4k+3, the lane layout of AVX2's
     * maddubs + madd pair. Products and pair sums must fit in 16 bits (|w| <= 128).
     */
    static IntVector groupDot(ByteVector w, short[] yEvenOdd, int yOff) {
        ShortVector s = w.reinterpretAsShorts();
        ShortVector we = s.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
        ShortVector wo = s.lanewise(VectorOperators.ASHR, 8);
        ShortVector ye = ShortVector.fromArray(Fp.S256, yEvenOdd, yOff);
        ShortVector yo = ShortVector.fromArray(Fp.S256, yEvenOdd, yOff + 16);
        return Fp.pairs16(we.mul(ye).add(wo.mul(yo)));
    }

    /** acc + float(v) * scale per lane, fused (AVX2's _mm256_fmadd_ps with a broadcast scale). */
    static FloatVector fmaLanes(IntVector v, float scale, FloatVector acc) {
        return ((FloatVector) v.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Fp.F256, scale), acc);
    }

    /** Shifts every byte right by {@code n} (logical) and masks it; done on 16-bit lanes as AVX2 does. */
    static ByteVector shiftMask(ByteVector b, int n, int mask) {
        return b.reinterpretAsShorts().lanewise(VectorOperators.LSHR, n).reinterpretAsBytes().and((byte) mask);
    }

    static ByteVector load(MemorySegment s, long off) {
        return ByteVector.fromMemorySegment(Fp.B256, s, off, Fp.LE);
    }
}
