package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

import java.lang.foreign.MemorySegment;

/** Q8_0: blocks of 32 as {fp16 d, int8 qs[32]}; value = qs[j] * d. Dot as ggml_vec_dot_q8_0_q8_0 (AVX2). */
final class Q8_0Tensor extends Q8Tensor {
    Q8_0Tensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q8_0, rows, cols, data, false);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            float d = Fp.f16(data, o);
            for (int j = 0; j < 32; j++) dst[dstOff + b * 32 + j] = Fp.u8(data, o + 2 + j) * d;
        }
    }

    @Override
    int matvecRows(Q8Input in, float[] out, int outOff, int rowFrom, int rowTo) {
        int r = rowFrom;
        for (; r + 2 <= rowTo; r += 2) rows2(in, r, out, outOff + r);
        return r;
    }

    /** Rows r0 and r0+1 at once, each exactly as {@link #dot}; the activations are loaded once per block. */
    private void rows2(Q8Input in, int r0, float[] out, int off) {
        MemorySegment data = this.data;
        long rb = rowBytes;
        short[] y = in.evenOdd;
        float[] dx = in.d;
        FloatVector acc0 = FloatVector.zero(Fp.F256), acc1 = acc0;
        long o = r0 * rb;
        for (int b = 0; b < blocksPerRow; b++, o += 34) {
            ShortVector ye = ShortVector.fromArray(Fp.S256, y, b * 32);
            ShortVector yo = ShortVector.fromArray(Fp.S256, y, b * 32 + 16);
            float d = dx[b];
            acc0 = Fp.fmaLanes(Fp.groupDot(Fp.load(data, o + 2), ye, yo), Fp.f16(data, o) * d, acc0);
            acc1 = Fp.fmaLanes(Fp.groupDot(Fp.load(data, o + rb + 2), ye, yo), Fp.f16(data, o + rb) * d, acc1);
        }
        out[off] = Fp.hsum8(acc0);
        out[off + 1] = Fp.hsum8(acc1);
    }

    @Override
    float dot(int row, Q8Input in) {
        FloatVector acc = FloatVector.zero(Fp.F256);
        long o = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++, o += 34) {
            float d = Fp.f16(data, o) * in.d[b];
            acc = Fp.fmaLanes(Fp.groupDot(Fp.load(data, o + 2), in.evenOdd, b * 32), d, acc);
        }
        return Fp.hsum8(acc);
    }
}
