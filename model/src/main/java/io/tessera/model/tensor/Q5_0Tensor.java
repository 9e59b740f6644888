package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;

import java.lang.foreign.MemorySegment;

/** Q5_0: blocks of 32 as {fp16 d, uint32 qh, uint8 qs[16]}; value = ((nibble | bit << 4) - 16) * d. */
final class Q5_0Tensor extends NibbleTensor {
    Q5_0Tensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q5_0, rows, cols, data, false, true);
    }

    @Override
    float dot(int row, Q8Input in) {
        return dot(row, in, false, true);
    }
}
