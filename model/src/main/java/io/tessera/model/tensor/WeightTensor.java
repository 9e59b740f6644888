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

    /** Creates the tensor for a GGUF tensor, or throws {@link io.tessera.TesseraException} naming it when its type is unsupported. */
    public static WeightTensor of(io.tessera.model.gguf.GGUFTensorInfo info) {
        return Tensors.of(info);
    }
}
