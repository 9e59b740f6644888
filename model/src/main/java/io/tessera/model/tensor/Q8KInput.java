package io.tessera.model.tensor;

/**
 * Activations quantized to Q8_K blocks of 256 as ggml's {@code quantize_row_q8_K_ref}: iscale = -127 / max
 * (max = the value of largest magnitude, with its sign), q = min(127, nearest_int(iscale * x)), d = 1 / iscale
 * (kept as float) and the sum of every 16 quants.
 */
final class Q8KInput implements PreparedInput {
    static final int QK = 256;

    final int length;
    final byte[] qs;
    final float[] d;
    /** Sums of 16 consecutive quants, 16 per block. */
    final int[] bsums;
    /** Per block: bsums[0,2,..,14] and bsums[1,3,..,15] (the lane layout of a 16-bit madd). */
    final int[] bsEven, bsOdd;
    /** Per 32 quants: the 16 even-index then the 16 odd-index quants (the lane layout of AVX2's maddubs + madd pair). */
    final short[] evenOdd;

    Q8KInput(int length) {
        if (length % QK != 0) throw new IllegalArgumentException("length " + length + " is not a multiple of " + QK);
        this.length = length;
        int nb = length / QK;
        qs = new byte[length];
        d = new float[nb];
        bsums = new int[nb * 16];
        bsEven = new int[nb * 8];
        bsOdd = new int[nb * 8];
        evenOdd = new short[length];
    }

    @Override
    public int length() { return length; }

    Q8KInput fill(float[] x, int off) {
        for (int b = 0; b < d.length; b++) {
            int base = off + b * QK;
            float max = 0, amax = 0;
            for (int j = 0; j < QK; j++) {
                float ax = Math.abs(x[base + j]);
                if (ax > amax) { amax = ax; max = x[base + j]; }
            }
            float iscale = amax == 0 ? 0 : -127f / max;
            for (int j = 0; j < QK; j++) {
                int q = amax == 0 ? 0 : Math.min(127, Fp.nearestInt(iscale * x[base + j]));
                int i = b * QK + j;
                qs[i] = (byte) q;
                evenOdd[(i & ~31) + ((i & 31) >> 1) + ((i & 1) << 4)] = (short) q;
            }
            for (int g = 0; g < 16; g++) {
                int sum = 0;
                for (int j = 0; j < 16; j++) sum += qs[b * QK + g * 16 + j];
                bsums[b * 16 + g] = sum;
                if ((g & 1) == 0) bsEven[b * 8 + g / 2] = sum; else bsOdd[b * 8 + g / 2] = sum;
            }
            d[b] = amax == 0 ? 0 : 1 / iscale;
        }
        return this;
    }

    static Q8KInput check(PreparedInput in, int cols) {
        if (!(in instanceof Q8KInput q) || q.length != cols) {
            throw new IllegalArgumentException("input was not made by this tensor's newInput()");
        }
        return q;
    }
}
