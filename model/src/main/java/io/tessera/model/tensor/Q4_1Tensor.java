package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;

import java.lang.foreign.MemorySegment;

/** Q4_1: blocks of 32 as {fp16 d, fp16 m, uint8 qs[16]}; value = nibble * d + m. */
final class Q4_1Tensor extends NibbleTensor {
    Q4_1Tensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q4_1, rows, cols, data, true, false);
    }

    @Override
    float dot(int row, Q8Input in) {
        return dot(row, in, true, false);
    }
}
