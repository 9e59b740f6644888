package io.tessera.train;

/**
 * One trainable tensor: F32 weights and their gradient, row-major with {@code rows} rows of {@code cols}
 * values (GGUF shape [cols, rows]; a vector has rows = 1). Named as llama.cpp names the GGUF tensor.
 */
public final class Param {
    public final String name;
    public final int rows, cols;
    public final float[] w;
    public final float[] g;
    /** Weight decay applies (matrices yes, norm weights no). */
    public final boolean decay;

    Param(String name, int rows, int cols, boolean decay) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.w = new float[rows * cols];
        this.g = new float[rows * cols];
        this.decay = decay;
    }

    public int size() {
        return w.length;
    }

    public boolean isMatrix() {
        return rows > 1;
    }
}
