package io.tessera.model.tensor;

/** Activations as floats: exact (F32 weights) or rounded to fp16 / bf16 (F16 / BF16 weights). */
final class FloatInput implements PreparedInput {
    enum Rounding { NONE, F16, BF16 }

    final float[] values;
    private final Rounding rounding;

    FloatInput(int length, Rounding rounding) {
        this.values = new float[length];
        this.rounding = rounding;
    }

    @Override
    public int length() { return values.length; }

    FloatInput fill(float[] x, int off) {
        switch (rounding) {
            case NONE -> System.arraycopy(x, off, values, 0, values.length);
            case F16 -> { for (int i = 0; i < values.length; i++) values[i] = Fp.roundF16(x[off + i]); }
            case BF16 -> { for (int i = 0; i < values.length; i++) values[i] = Fp.bf16ToFloat(Fp.toBf16(x[off + i])); }
        }
        return this;
    }

    static FloatInput check(PreparedInput in, int cols, Rounding r) {
        if (!(in instanceof FloatInput f) || f.rounding != r || f.values.length != cols) {
            throw new IllegalArgumentException("input was not made by this tensor's newInput()");
        }
        return f;
    }
}
