package io.tessera.model.tensor;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGUFTensorInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/** Factory from GGUF tensor infos to typed {@link WeightTensor}s. */
final class Tensors {
    private Tensors() {}

    static WeightTensor of(GGUFTensorInfo info) {
        return of(info, Arena.ofAuto());
    }

    /** @param alloc memory for a repacked copy of the weights where a type's kernels use one (Q4_0, Q4_K, Q6_K) */
    static WeightTensor of(GGUFTensorInfo info, SegmentAllocator alloc) {
        int rows = info.rows(), cols = info.cols();
        MemorySegment d = info.data();
        return switch (info.type()) {
            case F32 -> new F32Tensor(rows, cols, d);
            case F16 -> new F16Tensor(rows, cols, d);
            case BF16 -> new BF16Tensor(rows, cols, d);
            case Q8_0 -> new Q8_0Tensor(rows, cols, d);
            case Q4_0 -> new Q4_0Tensor(rows, cols, d, alloc);
            case Q4_1 -> new Q4_1Tensor(rows, cols, d);
            case Q5_0 -> new Q5_0Tensor(rows, cols, d);
            case Q5_1 -> new Q5_1Tensor(rows, cols, d);
            case Q2_K -> new Q2KTensor(rows, cols, d);
            case Q3_K -> new Q3KTensor(rows, cols, d);
            case Q4_K -> new Q4KTensor(rows, cols, d, alloc);
            case Q5_K -> new Q5KTensor(rows, cols, d);
            case Q6_K -> new Q6KTensor(rows, cols, d, alloc);
            default -> throw new TesseraException("tensor '" + info.name() + "': type " + info.type() + " is not supported");
        };
    }
}
