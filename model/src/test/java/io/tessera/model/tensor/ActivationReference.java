package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;

/**
 * The activations as llama.cpp's CPU backend (x86 AVX2) hands them to the dot product, written out plainly:
 * Q8_0/Q8_1 with d = max|x|/127 (stored fp16) and q = rint(x * 127/max|x|); Q8_K with iscale = -127/max (signed)
 * and q = min(127, rint(iscale * x)), d = 1/iscale; fp16 or bf16 rounding; or the floats themselves.
 */
final class ActivationReference {
    private ActivationReference() {}

    static GGMLType vecDotType(GGMLType t) {
        return switch (t) {
            case Q4_0, Q5_0, Q8_0 -> GGMLType.Q8_0;
            case Q4_1, Q5_1 -> GGMLType.Q8_1;
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> GGMLType.Q8_K;
            default -> t;
        };
    }

    static double[] dequantized(GGMLType weightType, float[] x, int off, int n) {
        double[] y = new double[n];
        switch (vecDotType(weightType)) {
            case Q8_0, Q8_1 -> {
                for (int b = 0; b < n; b += 32) {
                    float amax = 0;
                    for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + b + j]));
                    float d = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
                    float id = amax == 0 ? 0 : 127f / amax;
                    for (int j = 0; j < 32; j++) y[b + j] = Math.rint(x[off + b + j] * id) * d;
                }
            }
            case Q8_K -> {
                for (int b = 0; b < n; b += 256) {
                    float max = 0;
                    for (int j = 0; j < 256; j++) if (Math.abs(x[off + b + j]) > Math.abs(max)) max = x[off + b + j];
                    float iscale = -127f / max;
                    for (int j = 0; j < 256; j++) y[b + j] = Math.min(127, Math.rint(iscale * x[off + b + j])) * (1 / iscale);
                }
            }
            case F16 -> { for (int i = 0; i < n; i++) y[i] = Float.float16ToFloat(Float.floatToFloat16(x[off + i])); }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    int u = Float.floatToRawIntBits(x[off + i]);
                    y[i] = Float.intBitsToFloat(((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) << 16);
                }
            }
            default -> { for (int i = 0; i < n; i++) y[i] = x[off + i]; }
        }
        return y;
    }

    /**
     * Q4_1/Q5_1 add m * s per block, where Q8_1's s = fp16(d * sum q) uses the unrounded d: the difference to
     * m * (sum of the dequantized activations) that a plain dot product would use.
     */
    static double offsetCorrection(GGMLType type, byte[] weights, int row, float[] x, int off, int n) {
        if (type != GGMLType.Q4_1 && type != GGMLType.Q5_1) return 0;
        double corr = 0;
        int blocks = n / 32;
        for (int b = 0; b < blocks; b++) {
            int o = (row * blocks + b) * type.typeSize;
            float m = Float.float16ToFloat((short) ((weights[o + 2] & 0xFF) | weights[o + 3] << 8));
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + 32 * b + j]));
            float d = amax / 127f, id = amax == 0 ? 0 : 127f / amax;
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += (int) Math.rint(x[off + 32 * b + j] * id);
            float s = Float.float16ToFloat(Float.floatToFloat16(d * sum));
            corr += (double) m * s - (double) m * sum * Float.float16ToFloat(Float.floatToFloat16(d));
        }
        return corr;
    }
}
