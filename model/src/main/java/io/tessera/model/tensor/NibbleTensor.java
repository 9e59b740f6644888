package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import java.lang.foreign.MemorySegment;

/**
 * Q4_1, Q5_0 and Q5_1: blocks of 32 whose byte j holds values j (low nibble) and j+16 (high nibble), with an
 * optional fifth bit per value in a 32-bit qh, an fp16 scale d and (Q4_1, Q5_1) an fp16 offset m.
 * Dots follow ggml's AVX2 ggml_vec_dot_q4_1_q8_1 / q5_0_q8_0 / q5_1_q8_1.
 */
abstract class NibbleTensor extends Q8Tensor {
    private final boolean hasMin;
    private final boolean hasHighBits;
    private final int qsOff;

    NibbleTensor(GGMLType type, int rows, int cols, MemorySegment data, boolean hasMin, boolean hasHighBits) {
        super(type, rows, cols, data, hasMin);
        this.hasMin = hasMin;
        this.hasHighBits = hasHighBits;
        this.qsOff = 2 + (hasMin ? 2 : 0) + (hasHighBits ? 4 : 0);
    }

    /** Writes the block's 32 unsigned quants (0..15 or 0..31) in element order. */
    private void quants(long o, byte[] q) {
        int qh = hasHighBits ? data.get(Fp.INT, o + qsOff - 4) : 0;
        for (int j = 0; j < 16; j++) {
            int b = Fp.u8(data, o + qsOff + j) & 0xFF;
            q[j] = (byte) ((b & 0xF) | ((qh >>> j) & 1) << 4);
            q[j + 16] = (byte) ((b >>> 4) | ((qh >>> (j + 16)) & 1) << 4);
        }
    }

    /** Subtracted from unsigned quants when there is no offset m (8 for Q4_0, 16 for Q5_0). */
    private int bias() {
        return hasMin ? 0 : 16;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        byte[] q = new byte[32];
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            quants(o, q);
            float d = Fp.f16(data, o);
            float m = hasMin ? Fp.f16(data, o + 2) : 0;
            for (int j = 0; j < 32; j++) {
                dst[dstOff + b * 32 + j] = hasMin ? q[j] * d + m : (q[j] - bias()) * d;
            }
        }
    }

    private static final VectorMask<Short> LOWER_8 = VectorMask.fromLong(Fp.S256, 0xFF);
    private static final VectorShuffle<Short> DUPLICATE_8 =
            VectorShuffle.fromValues(Fp.S256, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7);
    private static final ShortVector NIBBLE_SHIFTS =
            ShortVector.fromArray(Fp.S256, new short[]{0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4}, 0);
    private static final ShortVector S_0010 = ShortVector.broadcast(Fp.S256, (short) 0x10);

    /**
     * The block's 32 quants in element order as 16-bit lanes of byte pairs (see {@link Fp#groupDotU}): the 16 bytes
     * hold elements j (low nibble) and j + 16 (high nibble); the fifth bits (Q5) come from {@code qh} bit j.
     */
    private static ShortVector quants(MemorySegment data, long qs, boolean highBits, int qh) {
        ShortVector q = ShortVector.fromMemorySegment(Fp.S256, data, qs, Fp.LE, LOWER_8).rearrange(DUPLICATE_8)
                .lanewise(VectorOperators.LSHR, NIBBLE_SHIFTS).and(Fp.S_0F0F);
        if (!highBits) return q;
        // int lane k covers elements 4k..4k+3: qh bits 4k..4k+3 spread to bit 4 of its four bytes
        IntVector h = IntVector.broadcast(Fp.I256, qh).lanewise(VectorOperators.LSHR, NIBBLE_STARTS).and(0xF)
                .mul(0x00204081).and(0x01010101).lanewise(VectorOperators.LSHL, 4);
        return q.or(h.reinterpretAsShorts());
    }

    private static final IntVector NIBBLE_STARTS = IntVector.fromArray(Fp.I256, new int[]{0, 4, 8, 12, 16, 20, 24, 28}, 0);

    /** The dot for constant {@code min} and {@code highBits} (the subclasses call it so), as ggml's AVX2 kernels. */
    final float dot(int row, Q8Input in, boolean min, boolean highBits) {
        MemorySegment data = this.data;
        short[] y = in.evenOdd;
        float[] dx = in.d, sx = in.s;
        Scratch scratch = Scratch.get();
        float[] tmp = scratch.scales;
        int qsOff = 2 + (min ? 2 : 0) + (highBits ? 4 : 0), size = 18 + (min ? 2 : 0) + (highBits ? 4 : 0);
        ShortVector bias = min ? ShortVector.zero(Fp.S256) : S_0010;
        FloatVector acc = FloatVector.zero(Fp.F256);
        float summs = 0;
        long o = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++, o += size) {
            // the header (d, then m and / or qh) in one read: C2 budgets every segment access
            long head = min || highBits ? data.get(Fp.LONG, o) : data.get(Fp.SHORT, o);
            int qh = (int) (head >>> (min ? 32 : 16));
            ShortVector q = quants(data, o + qsOff, highBits, qh);
            if (min) summs = Math.fma(Float.float16ToFloat((short) (head >>> 16)), sx[b], summs);
            float d = Float.float16ToFloat((short) head) * dx[b];
            IntVector dot = Fp.groupDotU(q, bias, y, 32 * b);
            acc = ((FloatVector) dot.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Fp.F256, d), acc);
        }
        acc.intoArray(tmp, 0);
        return Fp.sum8(tmp) + summs;
    }
}
