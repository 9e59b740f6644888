package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

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

    /**
     * Batched product: the default chunks of rows (small enough to stay in cache while every token passes over
     * them), four rows at a time, about 10% faster than one row at a time on cached weights (QuickBench). Streamed
     * from memory, four interleaved rows run at half the speed of one, so {@link #matvec} does one row at a time.
     */
    @Override
    public void matmul(PreparedInput[] xs, int count, float[][] out, int rowFrom, int rowTo) {
        int chunk = matmulRowChunk();
        for (int r = rowFrom; r < rowTo; r += chunk) {
            int end = Math.min(rowTo, r + chunk);
            for (int t = 0; t < count; t++) {
                Q8Input in = Q8Input.check(xs[t], cols, false);
                int row = r;
                for (; row + 4 <= end; row += 4) rows4(in, row, out[t], row);
                for (; row < end; row++) out[t][row] = dot(row, in);
            }
        }
    }

    /**
     * Rows r0..r0+3 at once, each exactly as {@link #dot}; the activations are loaded once per block. Written
     * out without helper methods: C2 always inlines the Vector API itself, but stops inlining ordinary methods
     * in a kernel this large (NodeCountInliningCutoff), which would box the vectors.
     */
    private void rows4(Q8Input in, int r0, float[] out, int off) {
        MemorySegment data = this.data;
        long rb = rowBytes;
        short[] y = in.evenOdd;
        float[] dx = in.d;
        FloatVector acc0 = FloatVector.zero(Fp.F256), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        long o = r0 * rb;
        for (int b = 0; b < blocksPerRow; b++, o += 34) {
            ShortVector ye = ShortVector.fromArray(Fp.S256, y, b * 32);
            ShortVector yo = ShortVector.fromArray(Fp.S256, y, b * 32 + 16);
            float d = dx[b];
            ShortVector s0 = ShortVector.fromMemorySegment(Fp.S256, data, o + 2, Fp.LE);
            IntVector q0 = s0.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ye)
                    .add(s0.lanewise(VectorOperators.ASHR, 8).mul(yo)).reinterpretAsInts();
            q0 = q0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(q0.lanewise(VectorOperators.ASHR, 16));
            float d0 = Float.float16ToFloat(data.get(Fp.SHORT, o)) * d;
            acc0 = ((FloatVector) q0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Fp.F256, d0), acc0);
            ShortVector s1 = ShortVector.fromMemorySegment(Fp.S256, data, o + rb + 2, Fp.LE);
            IntVector q1 = s1.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ye)
                    .add(s1.lanewise(VectorOperators.ASHR, 8).mul(yo)).reinterpretAsInts();
            q1 = q1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(q1.lanewise(VectorOperators.ASHR, 16));
            float d1 = Float.float16ToFloat(data.get(Fp.SHORT, o + rb)) * d;
            acc1 = ((FloatVector) q1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Fp.F256, d1), acc1);
            ShortVector s2 = ShortVector.fromMemorySegment(Fp.S256, data, o + 2 * rb + 2, Fp.LE);
            IntVector q2 = s2.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ye)
                    .add(s2.lanewise(VectorOperators.ASHR, 8).mul(yo)).reinterpretAsInts();
            q2 = q2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(q2.lanewise(VectorOperators.ASHR, 16));
            float d2 = Float.float16ToFloat(data.get(Fp.SHORT, o + 2 * rb)) * d;
            acc2 = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Fp.F256, d2), acc2);
            ShortVector s3 = ShortVector.fromMemorySegment(Fp.S256, data, o + 3 * rb + 2, Fp.LE);
            IntVector q3 = s3.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ye)
                    .add(s3.lanewise(VectorOperators.ASHR, 8).mul(yo)).reinterpretAsInts();
            q3 = q3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(q3.lanewise(VectorOperators.ASHR, 16));
            float d3 = Float.float16ToFloat(data.get(Fp.SHORT, o + 3 * rb)) * d;
            acc3 = ((FloatVector) q3.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Fp.F256, d3), acc3);
        }
        float[] tmp = Scratch.get().scales;
        acc0.intoArray(tmp, 0);
        out[off + 0] = Fp.sum8(tmp);
        acc1.intoArray(tmp, 0);
        out[off + 1] = Fp.sum8(tmp);
        acc2.intoArray(tmp, 0);
        out[off + 2] = Fp.sum8(tmp);
        acc3.intoArray(tmp, 0);
        out[off + 3] = Fp.sum8(tmp);
    }

    /**
     * One row at a time: weights streamed from memory run twice as fast as with four rows interleaved (15-16 GB/s
     * against 7-8 on this machine, QuickBench rows=65536; BENCHMARKS.md, "Q8_0 one row at a time").
     * Written out without helper methods so C2 keeps every vector in registers.
     */
    @Override
    float dot(int row, Q8Input in) {
        MemorySegment data = this.data;
        short[] y = in.evenOdd;
        float[] dx = in.d;
        FloatVector acc = FloatVector.zero(Fp.F256);
        long o = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++, o += 34) {
            ShortVector s = ShortVector.fromMemorySegment(Fp.S256, data, o + 2, Fp.LE);
            IntVector q = s.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(Fp.S256, y, b * 32))
                    .add(s.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(Fp.S256, y, b * 32 + 16))).reinterpretAsInts();
            q = q.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(q.lanewise(VectorOperators.ASHR, 16));
            float d = Float.float16ToFloat(data.get(Fp.SHORT, o)) * dx[b];
            acc = ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Fp.F256, d), acc);
        }
        return Fp.hsum8(acc);
    }
}
