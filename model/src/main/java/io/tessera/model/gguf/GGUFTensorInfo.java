package io.tessera.model.gguf;

import java.lang.foreign.MemorySegment;

/**
 * One tensor of a GGUF file. {@code shape[0]} is the innermost dimension (a row's length), as in ggml.
 * {@code data} is a slice of the memory-mapped file: the weights are never copied to the heap.
 */
public record GGUFTensorInfo(String name, long[] shape, GGMLType type, long offset, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    /** Length of a row (ne[0]). */
    public int cols() {
        return Math.toIntExact(shape[0]);
    }

    /** Number of rows: the product of every dimension after the first. */
    public int rows() {
        return Math.toIntExact(elementCount() / shape[0]);
    }

    public String shapeString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        return sb.append(']').toString();
    }
}
