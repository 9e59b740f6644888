package io.tessera.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian segment access, fp16/bf16 conversion and the shared integer dot-product building blocks. */
final class Fp {
    private Fp() {}

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> S256 = ShortVector.SPECIES_256;
    static final VectorSpecies<Short> S128 = ShortVector.SPECIES_128;
    static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
    static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
    static final VectorMask<Integer> UPPER_HALF = VectorMask.fromLong(I256, 0xF0);
    /** Masks and lane swaps of the transposed reductions (eight horizontal sums at once). */
    static final VectorMask<Integer> ODD_1 = VectorMask.fromLong(I256, 0xAA);
    static final VectorMask<Integer> ODD_2 = VectorMask.fromLong(I256, 0xCC);
    static final VectorShuffle<Integer> SWAP_1 = VectorShuffle.fromValues(I256, 1, 0, 3, 2, 5, 4, 7, 6);
    static final VectorShuffle<Integer> SWAP_2 = VectorShuffle.fromValues(I256, 2, 3, 0, 1, 6, 7, 4, 5);
    static final VectorShuffle<Integer> SWAP_4 = VectorShuffle.fromValues(I256, 4, 5, 6, 7, 0, 1, 2, 3);

    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(SHORT, off));
    }

    static byte u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off);
    }

    /** Rounds to fp16 and back, as ggml does when it stores a float in an fp16 field. */
    static float roundF16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    /** ggml_compute_fp32_to_bf16: round to nearest even, NaN made quiet. */
    static short toBf16(float x) {
        int u = Float.floatToRawIntBits(x);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    static float bf16ToFloat(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }

    /** ggml's nearest_int: round half to even through the float adder (valid for |x| < 2^22). */
    static int nearestInt(float x) {
        return (int) Math.rint(x);
    }

    /** hsum_float_8 of ggml's x86 code: (hi + lo), then lanes (0+2) + (1+3). */
    static float hsum8(FloatVector v) {
        float r0 = v.lane(4) + v.lane(0), r1 = v.lane(5) + v.lane(1);
        float r2 = v.lane(6) + v.lane(2), r3 = v.lane(7) + v.lane(3);
        return (r0 + r2) + (r1 + r3);
    }

    /** {@link #hsum8} of eight floats stored by {@code FloatVector.intoArray(v, 0)}: the same sum. */
    static float sum8(float[] v) {
        return sum8(v, 0);
    }

    /** {@link #sum8} of {@code v[off..off+8)}. */
    static float sum8(float[] v, int off) {
        float r0 = v[off + 4] + v[off], r1 = v[off + 5] + v[off + 1];
        float r2 = v[off + 6] + v[off + 2], r3 = v[off + 7] + v[off + 3];
        return (r0 + r2) + (r1 + r3);
    }

    static final ShortVector S_000F = ShortVector.broadcast(S256, (short) 0x000F);
    static final ShortVector S_00FF = ShortVector.broadcast(S256, (short) 0x00FF);
    static final ShortVector S_0F0F = ShortVector.broadcast(S256, (short) 0x0F0F);
    static final ShortVector S_0004 = ShortVector.broadcast(S256, (short) 0x0004);
    static final ShortVector S_0101 = ShortVector.broadcast(S256, (short) 0x0101);
    static final ShortVector S_0303 = ShortVector.broadcast(S256, (short) 0x0303);

    /** 16 little-endian shorts (32 bytes) at {@code off}; cheaper for C2 than loading bytes and reinterpreting. */
    static ShortVector loadShorts(MemorySegment s, long off) {
        return ShortVector.fromMemorySegment(S256, s, off, LE);
    }

    /** Eight int lanes: the first four {@code lo}, the last four {@code hi} (scales of two 16-value halves). */
    static IntVector halves(int lo, int hi) {
        return IntVector.broadcast(I256, lo).blend(hi, UPPER_HALF);
    }

    /**
     * Dot product of unsigned quants 0..127, given as 16-bit lanes of byte pairs (element 2i in the low byte of lane
     * i, element 2i+1 in the high byte), with 32 activations stored in {@link Q8Input#evenOdd} layout at
     * {@code yOff}: lane k of the result is the sum over elements 4k..4k+3, the lane layout of AVX2's maddubs + madd
     * pair. Products and pair sums must fit in 16 bits.
     */
    static IntVector groupDotU(ShortVector w, short[] yEvenOdd, int yOff) {
        ShortVector we = w.and(S_00FF);
        ShortVector wo = w.lanewise(VectorOperators.LSHR, 8);
        return pairs16(we.mul(ShortVector.fromArray(S256, yEvenOdd, yOff))
                .add(wo.mul(ShortVector.fromArray(S256, yEvenOdd, yOff + 16))));
    }

    /** {@link #groupDotU} of the quants minus {@code bias} (a broadcast constant). */
    static IntVector groupDotU(ShortVector w, ShortVector bias, short[] yEvenOdd, int yOff) {
        ShortVector we = w.and(S_00FF).sub(bias);
        ShortVector wo = w.lanewise(VectorOperators.LSHR, 8).sub(bias);
        return pairs16(we.mul(ShortVector.fromArray(S256, yEvenOdd, yOff))
                .add(wo.mul(ShortVector.fromArray(S256, yEvenOdd, yOff + 16))));
    }

    /** Sums adjacent 16-bit lanes into 32-bit lanes (AVX2's madd against ones). */
    static IntVector pairs16(ShortVector p) {
        IntVector i = p.reinterpretAsInts();
        return i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(i.lanewise(VectorOperators.ASHR, 16));
    }
}
