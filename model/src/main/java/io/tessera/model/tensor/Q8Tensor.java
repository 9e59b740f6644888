package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;

import java.lang.foreign.MemorySegment;

/** Base of the 32-value block types whose activations are Q8_0 (no sum) or Q8_1 (with sum). */
abstract class Q8Tensor extends SegmentTensor {
    private final boolean withSum;

    Q8Tensor(GGMLType type, int rows, int cols, MemorySegment data, boolean withSum) {
        super(type, rows, cols, data);
        this.withSum = withSum;
    }

    @Override
    public PreparedInput newInput() { return new Q8Input(cols, withSum); }

    @Override
    public PreparedInput prepare(float[] x, int xOff, PreparedInput into) {
        return Q8Input.check(into, cols, withSum).fill(x, xOff);
    }

    @Override
    public void matvec(PreparedInput x, float[] out, int outOff, int rowFrom, int rowTo) {
        Q8Input in = Q8Input.check(x, cols, withSum);
        int r = rowFrom < rowTo ? matvecRows(in, out, outOff, rowFrom, rowTo) : rowTo;
        for (; r < rowTo; r++) out[outOff + r] = dot(r, in);
    }

    /**
     * Multi-row kernel: computes rows from {@code rowFrom} in groups (exactly as {@link #dot} would) and returns
     * the first row it left to {@link #dot}.
     */
    int matvecRows(Q8Input in, float[] out, int outOff, int rowFrom, int rowTo) {
        return rowFrom;
    }

    abstract float dot(int row, Q8Input in);
}
