package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;

import java.lang.foreign.MemorySegment;

/** Base of the K-quants (blocks of 256): activations are Q8_K. */
abstract class KQuantTensor extends SegmentTensor {
    /** The rows again, interleaved, for the products; null where not made (then every row goes through {@link #dot}). */
    private final RowGroups interleaved;

    KQuantTensor(GGMLType type, int rows, int cols, MemorySegment data) {
        this(type, rows, cols, data, null);
    }

    KQuantTensor(GGMLType type, int rows, int cols, MemorySegment data, RowGroups interleaved) {
        super(type, rows, cols, data);
        this.interleaved = interleaved;
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
        if (interleaved == null) {
            for (int r = rowFrom; r < rowTo; r++) out[outOff + r] = dot(r, in);
            return;
        }
        int g = Interleaved.ROWS, groupFrom = Interleaved.groupFrom(rowFrom), groupTo = interleaved.groupTo(rowTo);
        int headTo = Math.min(rowTo, Math.max(rowFrom, groupFrom * g)), tailFrom = Math.max(headTo, groupTo * g);
        for (int r = rowFrom; r < headTo; r++) out[outOff + r] = dot(r, in);
        if (groupFrom < groupTo) interleaved.matvec(in, out, outOff, groupFrom, groupTo);
        for (int r = tailFrom; r < rowTo; r++) out[outOff + r] = dot(r, in);
    }

    abstract float dot(int row, Q8KInput in);

    /** Tokens per matmul tile. */
    static final int TILE = 8;

    /**
     * Types with a {@link #tile} kernel: chunks of rows small enough for L1/L2, and for each row the weights of a
     * block decoded once for up to {@link #TILE} tokens. With the interleaved copy (or no tile kernel), the default:
     * every token's matvec over each chunk of rows.
     */
    @Override
    public void matmul(PreparedInput[] xs, int count, float[][] out, int rowFrom, int rowTo) {
        if (interleaved != null || !hasTile()) {
            super.matmul(xs, count, out, rowFrom, rowTo);
            return;
        }
        Scratch scratch = Scratch.get();
        Q8KInput[] ins = scratch.kInputs;
        int chunk = matmulRowChunk();
        for (int r0 = rowFrom; r0 < rowTo; r0 += chunk) {
            int r1 = Math.min(rowTo, r0 + chunk);
            for (int t0 = 0; t0 < count; t0 += TILE) {
                int tn = Math.min(TILE, count - t0);
                for (int i = 0; i < tn; i++) ins[i] = Q8KInput.check(xs[t0 + i], cols);
                for (int r = r0; r < r1; r++) tile(r, ins, tn, out, t0, scratch);
            }
        }
        java.util.Arrays.fill(ins, null);
    }

    /** With the interleaved copy, chunks of whole groups. */
    @Override
    int matmulRowChunk() {
        return interleaved == null ? super.matmulRowChunk() : Interleaved.wholeGroups(super.matmulRowChunk());
    }

    boolean hasTile() {
        return false;
    }

    /** {@code out[t0 + t][row] = dot(row, ins[t])} for t < tn, bit for bit. */
    void tile(int row, Q8KInput[] ins, int tn, float[][] out, int t0, Scratch scratch) {
        throw new UnsupportedOperationException();
    }

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
