package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;

import java.lang.foreign.MemorySegment;

/** A weight tensor read in place from a (memory-mapped) segment, rows of whole blocks. */
abstract class SegmentTensor extends WeightTensor {
    protected final MemorySegment data;
    protected final long rowBytes;
    protected final int blocksPerRow;

    SegmentTensor(GGMLType type, int rows, int cols, MemorySegment data) {
        super(type, rows, cols);
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException(type + ": row length " + cols + " is not a multiple of " + type.blockSize);
        }
        this.blocksPerRow = cols / type.blockSize;
        this.rowBytes = (long) blocksPerRow * type.typeSize;
        if (data.byteSize() < rowBytes * rows) {
            throw new IllegalArgumentException(type + ": " + data.byteSize() + " bytes, " + rowBytes * rows + " needed");
        }
        this.data = data;
    }

    /** Offset of block {@code b} of row {@code row}. */
    final long blockOffset(int row, int b) {
        return row * rowBytes + (long) b * type.typeSize;
    }
}
