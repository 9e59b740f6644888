package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** BF16 weights (the top 16 bits of an f32); activations are rounded to bf16. */
final class BF16Tensor extends FloatTensor {
    BF16Tensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.BF16, rows, cols, data, FloatInput.Rounding.BF16);
    }

    @Override
    FloatVector load8(int row, int col) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(Fp.S128, data, (row * (long) cols + col) * 2, Fp.LE)
                .convertShape(VectorOperators.S2I, Fp.I256, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    @Override
    float get(int row, int col) {
        return Fp.bf16ToFloat(data.get(Fp.SHORT, (row * (long) cols + col) * 2));
    }
}
