package io.tessera.model.tensor;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGUFTensorInfo;

/** Factory from GGUF tensor infos to typed {@link WeightTensor}s. */
final class Tensors {
    private Tensors() {}

    static WeightTensor of(GGUFTensorInfo info) {
        throw new TesseraException("tensor '" + info.name() + "': type " + info.type() + " is not supported yet");
    }
}
