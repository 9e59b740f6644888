package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/**
 * Q4_1, Q5_0 and Q5_1: blocks of 32 whose byte j holds values j (low nibble) and j+16 (high nibble), with an
 * optional fifth bit per value in a 32-bit qh, an fp16 scale d and (Q4_1, Q5_1) an fp16 offset m.
 * Dots follow ggml's AVX2 ggml_vec_dot_q4_1_q8_1 / q5_0_q8_0 / q5_1_q8_1.
 */
abstract class NibbleTensor extends Q8Tensor {
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[32]);

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

    @Override
    float dot(int row, Q8Input in) {
        byte[] q = SCRATCH.get();
        FloatVector acc = FloatVector.zero(Fp.F256);
        float summs = 0;
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            quants(o, q);
            ByteVector w = ByteVector.fromArray(Fp.B256, q, 0);
            if (!hasMin) w = w.sub((byte) bias());
            if (hasMin) summs = Math.fma(Fp.f16(data, o + 2), in.s[b], summs);
            float d = Fp.f16(data, o) * in.d[b];
            acc = Fp.fmaLanes(Fp.groupDot(w, in.evenOdd, b * 32), d, acc);
        }
        return Fp.hsum8(acc) + summs;
    }
}
