package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** F16 weights; activations are rounded to fp16 (ggml's vec_dot_type for F16). */
final class F16Tensor extends FloatTensor {
    F16Tensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.F16, rows, cols, data, FloatInput.Rounding.F16);
    }

    @Override
    FloatVector load8(int row, int col) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(Fp.S128, data, (row * (long) cols + col) * 2, Fp.LE)
                .convertShape(VectorOperators.S2I, Fp.I256, 0);
        IntVector mag = h.and(0x7FFF);
        IntVector shifted = mag.lanewise(VectorOperators.LSHL, 13);
        // the exponent moves from bias 15 to 127: scaling by 2^112 also renormalizes subnormals exactly
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                .blend(shifted.or(0x7F800000), mag.compare(VectorOperators.GE, 0x7C00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    @Override
    float get(int row, int col) {
        return Fp.f16(data, (row * (long) cols + col) * 2);
    }
}
