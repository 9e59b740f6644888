package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/** F32 weights. */
final class F32Tensor extends FloatTensor {
    F32Tensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.F32, rows, cols, data, FloatInput.Rounding.NONE);
    }

    @Override
    FloatVector load8(int row, int col) {
        return FloatVector.fromMemorySegment(Fp.F256, data, (row * (long) cols + col) * 4, Fp.LE);
    }

    @Override
    float get(int row, int col) {
        return data.get(Fp.FLOAT, (row * (long) cols + col) * 4);
    }
}
