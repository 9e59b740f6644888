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

    /** get_scale_min_k4: 6-bit scale (which = 0) or min (which = 1) of sub-block j from the 12 packed bytes. */
    static int scaleMinK4(java.lang.foreign.MemorySegment s, long scalesOff, int j, int which) {
        int q = j < 4 ? Fp.u8(s, scalesOff + j + 4L * which) & 63
                : which == 0 ? (Fp.u8(s, scalesOff + j + 4) & 0xF) | ((Fp.u8(s, scalesOff + j - 4) & 0xFF) >>> 6 << 4)
                : ((Fp.u8(s, scalesOff + j + 4) & 0xFF) >>> 4) | ((Fp.u8(s, scalesOff + j) & 0xFF) >>> 6 << 4);
        return q;
    }
}
