package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;

/**
 * A 2-D weight tensor living in the memory-mapped GGUF file: {@code rows} rows of {@code cols} values,
 * each row contiguous (ggml's ne[0] = cols). One subclass per ggml type ({@code F32Tensor}, {@code Q8_0Tensor},
 * {@code Q4KTensor}, ...); create them with {@link #of}.
 *
 * <p>Matrix-vector products follow llama.cpp: the activation vector is first converted once to the type's
 * "vec_dot_type" (Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants, F16 for F16,
 * BF16 for BF16, F32 for F32) with {@link #prepare}, then every row is dotted against that prepared form.
 * This is what makes results agree with llama.cpp to the last digits.
 */
public abstract class WeightTensor {
    protected final GGMLType type;
    protected final int rows;
    protected final int cols;

    protected WeightTensor(GGMLType type, int rows, int cols) {
        this.type = type;
        this.rows = rows;
        this.cols = cols;
    }

    public GGMLType type() { return type; }
    public int rows() { return rows; }
    public int cols() { return cols; }

    /** Writes row {@code row}, dequantized, to {@code dst[dstOff .. dstOff + cols)}. */
    public abstract void dequantizeRow(int row, float[] dst, int dstOff);

    /** A reusable buffer holding an activation vector of length {@code cols} in this tensor's dot format. */
    public abstract PreparedInput newInput();

    /** Converts {@code x[xOff .. xOff + cols)} into {@code into} (this tensor's dot format) and returns it. */
    public abstract PreparedInput prepare(float[] x, int xOff, PreparedInput into);

    /** {@code out[outOff + r] = dot(row r, x)} for r in [rowFrom, rowTo). Thread-safe; callers split rows across threads. */
    public abstract void matvec(PreparedInput x, float[] out, int outOff, int rowFrom, int rowTo);

    /**
     * Batched product for prompt processing: {@code out[t][r] = dot(row r, xs[t])} for t in [0, count) and r in
     * [rowFrom, rowTo), bit for bit what {@link #matvec} gives for each token; the fast versions read every weight
     * block once per tile of tokens. Thread-safe; callers split rows across threads.
     */
    public void matmul(PreparedInput[] xs, int count, float[][] out, int rowFrom, int rowTo) {
        // chunks of rows small enough to stay in L1/L2 while every token passes over them
        int chunk = matmulRowChunk();
        for (int r = rowFrom; r < rowTo; r += chunk) {
            int end = Math.min(rowTo, r + chunk);
            for (int t = 0; t < count; t++) matvec(xs[t], out[t], 0, r, end);
        }
    }

    private static final long CHUNK_BYTES = Long.getLong("tessera.matmul.chunk", 32768);

    /** Rows per chunk of the default {@link #matmul}: a multiple of 8 whose weights take about 32 KiB. */
    int matmulRowChunk() {
        long rowBytes = type.byteSize(cols);
        return (int) Math.max(8, Math.min(1 << 20, CHUNK_BYTES / rowBytes) & ~7);
    }

    /**
     * Creates the tensor for a GGUF tensor, or throws {@link io.tessera.TesseraException} naming it when its type is
     * unsupported. A repacked copy (see the next method) lives in memory the garbage collector frees.
     */
    public static WeightTensor of(io.tessera.model.gguf.GGUFTensorInfo info) {
        return Tensors.of(info);
    }

    /**
     * As {@link #of(io.tessera.model.gguf.GGUFTensorInfo)}, with the memory for the repacked copy that some types'
     * kernels read instead of the file's layout (Q4_0: 32 rows interleaved, the file's pages released after), or
     * null to keep only the file's layout (a tensor read row by row, such as an embedding table).
     */
    public static WeightTensor of(io.tessera.model.gguf.GGUFTensorInfo info, java.lang.foreign.SegmentAllocator alloc) {
        return Tensors.of(info, alloc);
    }
}
