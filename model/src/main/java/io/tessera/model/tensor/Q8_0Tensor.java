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
     * One row at a time: weights streamed from memory run twice as fast as with rows interleaved (the hardware
     * prefetcher follows one stream per core far better than four; BENCHMARKS.md, "one row at a time").
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
