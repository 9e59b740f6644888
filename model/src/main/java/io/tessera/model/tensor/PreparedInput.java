package io.tessera.model.tensor;

/**
 * An activation vector converted to a weight type's dot format (F32, F16, BF16, Q8_0, Q8_1 or Q8_K blocks).
 * Obtained from {@link WeightTensor#newInput()} and filled by {@link WeightTensor#prepare}; reuse it across tokens.
 */
public interface PreparedInput {
    /** Length of the vector in values. */
    int length();
}
