package io.tessera.model.tensor;

/**
 * Activations quantized to Q8_0 or Q8_1 blocks of 32, exactly as llama.cpp's AVX2 {@code quantize_row_q8_0/1}:
 * d = max|x| / 127, id = 127 / max|x|, q = round-half-even(x * id); d (and Q8_1's s = d * sum q) stored as fp16.
 * Besides the raw quants it keeps two 16-bit copies laid out for the Vector API kernels.
 */
final class Q8Input implements PreparedInput {
    static final int QK = 32;

    final boolean withSum;
    final int length;
    final byte[] qs;
    /** fp16 scale of each block, as float. */
    final float[] d;
    /** Exact sum of each block's quants. */
    final int[] isum;
    /** Q8_1 only: fp16(d * sum of the block's quants), as float. */
    final float[] s;
    /** Per block: the 16 even-index quants, then the 16 odd-index quants (the lane layout of AVX2's maddubs + madd pair). */
    final short[] evenOdd;
    /** The quants widened to shorts, in element order. */
    final short[] natural;

    Q8Input(int length, boolean withSum) {
        if (length % QK != 0) throw new IllegalArgumentException("length " + length + " is not a multiple of " + QK);
        this.withSum = withSum;
        this.length = length;
        int nb = length / QK;
        qs = new byte[length];
        d = new float[nb];
        s = withSum ? new float[nb] : null;
        isum = new int[nb];
        evenOdd = new short[length];
        natural = new short[length];
    }

    @Override
    public int length() { return length; }

    Q8Input fill(float[] x, int off) {
        for (int b = 0; b < d.length; b++) {
            int base = off + b * QK;
            float amax = 0;
            for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[base + j]));
            float dd = amax / 127f;
            float id = amax != 0 ? 127f / amax : 0f;
            d[b] = Fp.roundF16(dd);
            int sum = 0;
            for (int j = 0; j < QK; j++) {
                int q = (int) Math.rint(x[base + j] * id);
                q = Math.max(-128, Math.min(127, q));
                sum += q;
                int i = b * QK + j;
                qs[i] = (byte) q;
                natural[i] = (short) q;
                evenOdd[b * QK + (j >> 1) + ((j & 1) << 4)] = (short) q;
            }
            isum[b] = sum;
            if (withSum) s[b] = Fp.roundF16(dd * (float) sum);
        }
        return this;
    }

    static Q8Input check(PreparedInput in, int cols, boolean withSum) {
        if (!(in instanceof Q8Input q) || q.withSum != withSum || q.length != cols) {
            throw new IllegalArgumentException("input was not made by this tensor's newInput()");
        }
        return q;
    }
}
