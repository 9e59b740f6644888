package io.tessera.model.tensor;

/** A K-quant matrix's rows interleaved in groups of 32 ({@link Interleaved}): its matrix-vector kernel. */
interface RowGroups {
    /** The end of the whole groups before row {@code rowTo} that the copy covers (see {@link Interleaved#groupTo}). */
    int groupTo(int rowTo);

    /** {@code out[outOff + r]} for the rows of groups [groupFrom, groupTo), bit for bit the tensor's single-row dot. */
    void matvec(Q8KInput in, float[] out, int outOff, int groupFrom, int groupTo);
}
