package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;

import java.lang.foreign.MemorySegment;

/** Base of the K-quants (blocks of 256): activations are Q8_K. */
abstract class KQuantTensor extends SegmentTensor {
    KQuantTensor(GGMLType type, int rows, int cols, MemorySegment data) {
        super(type, rows, cols, data);
    }

    @Override
    public PreparedInput newInput() { return new Q8KInput(cols); }

    @Override
    public PreparedInput prepare(float[] x, int xOff, PreparedInput into) {
        return Q8KInput.check(into, cols).fill(x, xOff);
    }

    @Override
    public void matvec(PreparedInput x, float[] out, int outOff, int rowFrom, int rowTo) {
        Q8KInput in = Q8KInput.check(x, cols);
        for (int r = rowFrom; r < rowTo; r++) out[outOff + r] = dot(r, in);
    }

    abstract float dot(int row, Q8KInput in);

    /** The eight 6-bit scales of a Q4_K/Q5_K block (12 bytes at {@code off}), one per byte, sub-block 0 lowest. */
    static long scales(MemorySegment s, long off) {
        int u0 = s.get(Fp.INT, off), u2 = s.get(Fp.INT, off + 8);
        int lo = u0 & 0x3f3f3f3f;
        int hi = (u2 & 0x0f0f0f0f) | ((u0 >>> 6) & 0x03030303) << 4;
        return (lo & 0xFFFFFFFFL) | (long) hi << 32;
    }

    /** The eight 6-bit mins of a Q4_K/Q5_K block, as {@link #scales}. */
    static long mins(MemorySegment s, long off) {
        int u1 = s.get(Fp.INT, off + 4), u2 = s.get(Fp.INT, off + 8);
        int lo = u1 & 0x3f3f3f3f;
        int hi = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 6) & 0x03030303) << 4;
        return (lo & 0xFFFFFFFFL) | (long) hi << 32;
    }

    /** get_scale_min_k4: 6-bit scale (which = 0) or min (which = 1) of sub-block j from the 12 packed bytes. */
    static int scaleMinK4(java.lang.foreign.MemorySegment s, long scalesOff, int j, int which) {
        int q = j < 4 ? Fp.u8(s, scalesOff + j + 4L * which) & 63
                : which == 0 ? (Fp.u8(s, scalesOff + j + 4) & 0xF) | ((Fp.u8(s, scalesOff + j - 4) & 0xFF) >>> 6 << 4)
                : ((Fp.u8(s, scalesOff + j + 4) & 0xFF) >>> 4) | ((Fp.u8(s, scalesOff + j) & 0xFF) >>> 6 << 4);
        return q;
    }
}
