package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;

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
