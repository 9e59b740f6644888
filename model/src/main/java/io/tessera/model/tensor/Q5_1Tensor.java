package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;

import java.lang.foreign.MemorySegment;

/** Q5_1: blocks of 32 as {fp16 d, fp16 m, uint32 qh, uint8 qs[16]}; value = (nibble | bit << 4) * d + m. */
final class Q5_1Tensor extends NibbleTensor {
    Q5_1Tensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q5_1, rows, cols, data, true, true);
    }

    @Override
    float dot(int row, Q8Input in) {
        return dot(row, in, true, true);
    }
}
