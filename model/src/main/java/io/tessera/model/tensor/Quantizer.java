package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Float values to ggml block bytes. The legacy types (Q4_0 .. Q8_0) follow ggml's quantize_row_*_ref; the K-quants
 * use a plain min/max (or signed max) fit per sub-block with 4/6/8-bit scales, simpler than ggml's search but valid
 * blocks with small error.
 */
public final class Quantizer {
    private Quantizer() {}

    public static byte[] quantize(GGMLType type, float[] x) {
        if (x.length % type.blockSize != 0) {
            throw new IllegalArgumentException(x.length + " values are not a multiple of " + type + "'s block " + type.blockSize);
        }
        ByteBuffer out = ByteBuffer.allocate((int) type.byteSize(x.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off < x.length; off += type.blockSize) {
            switch (type) {
                case F32 -> out.putFloat(x[off]);
                case F16 -> out.putShort(Float.floatToFloat16(x[off]));
                case BF16 -> out.putShort(Fp.toBf16(x[off]));
                case Q8_0 -> q8_0(x, off, out);
                case Q4_0 -> q4_0(x, off, out);
                case Q4_1 -> qMin(x, off, out, 15, false);
                case Q5_0 -> q5_0(x, off, out);
                case Q5_1 -> qMin(x, off, out, 31, true);
                case Q2_K -> q2K(x, off, out);
                case Q3_K -> q3K(x, off, out);
                case Q4_K -> q45K(x, off, out, false);
                case Q5_K -> q45K(x, off, out, true);
                case Q6_K -> q6K(x, off, out);
                default -> throw new IllegalArgumentException("no quantizer for " + type);
            }
        }
        return out.array();
    }

    /** C's roundf: half away from zero. */
    private static int roundf(float v) {
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    private static float signedAbsMax(float[] x, int off, int n) {
        float amax = 0, max = 0;
        for (int j = 0; j < n; j++) {
            float v = x[off + j];
            if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
        }
        return max;
    }

    private static void q8_0(float[] x, int off, ByteBuffer out) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + j]));
        float d = amax / 127, id = d != 0 ? 1 / d : 0;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) out.put((byte) roundf(x[off + j] * id));
    }

    private static void q4_0(float[] x, int off, ByteBuffer out) {
        float d = signedAbsMax(x, off, 32) / -8, id = d != 0 ? 1 / d : 0;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int a = Math.min(15, (int) (x[off + j] * id + 8.5f));
            int b = Math.min(15, (int) (x[off + j + 16] * id + 8.5f));
            out.put((byte) (a | b << 4));
        }
    }

    private static void q5_0(float[] x, int off, ByteBuffer out) {
        float d = signedAbsMax(x, off, 32) / -16, id = d != 0 ? 1 / d : 0;
        int qh = 0;
        byte[] qs = new byte[16];
        for (int j = 0; j < 16; j++) {
            int a = Math.min(31, (int) (x[off + j] * id + 16.5f));
            int b = Math.min(31, (int) (x[off + j + 16] * id + 16.5f));
            qs[j] = (byte) ((a & 0xF) | (b & 0xF) << 4);
            qh |= ((a & 0x10) >> 4) << j | ((b & 0x10) >> 4) << (j + 16);
        }
        out.putShort(Float.floatToFloat16(d)).putInt(qh).put(qs);
    }

    /** Q4_1 (nmax 15) and Q5_1 (nmax 31, with the fifth bits in qh). */
    private static void qMin(float[] x, int off, ByteBuffer out, int nmax, boolean fiveBits) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < 32; j++) { min = Math.min(min, x[off + j]); max = Math.max(max, x[off + j]); }
        float d = (max - min) / nmax, id = d != 0 ? 1 / d : 0;
        int qh = 0;
        byte[] qs = new byte[16];
        for (int j = 0; j < 16; j++) {
            int a = Math.min(nmax, (int) ((x[off + j] - min) * id + 0.5f));
            int b = Math.min(nmax, (int) ((x[off + j + 16] - min) * id + 0.5f));
            qs[j] = (byte) ((a & 0xF) | (b & 0xF) << 4);
            qh |= ((a & 0x10) >> 4) << j | ((b & 0x10) >> 4) << (j + 16);
        }
        out.putShort(Float.floatToFloat16(d)).putShort(Float.floatToFloat16(min));
        if (fiveBits) out.putInt(qh);
        out.put(qs);
    }

    /** Per sub-block scale and min (>= 0) for values q * scale - min, q in [0, nmax]. */
    private static void fitMin(float[] x, int off, int n, int nmax, float[] scales, float[] mins, int i) {
        float lo = 0, hi = 0;
        for (int j = 0; j < n; j++) { lo = Math.min(lo, x[off + j]); hi = Math.max(hi, x[off + j]); }
        scales[i] = (hi - lo) / nmax;
        mins[i] = -lo;
    }

    private static float max(float[] v) {
        float m = 0;
        for (float f : v) m = Math.max(m, f);
        return m;
    }

    private static int quant(float v, float scale, float min, int nmax) {
        if (scale == 0) return 0;
        return Math.max(0, Math.min(nmax, Math.round((v + min) / scale)));
    }

    private static void q2K(float[] x, int off, ByteBuffer out) {
        float[] sc = new float[16], mn = new float[16];
        for (int i = 0; i < 16; i++) fitMin(x, off + 16 * i, 16, 3, sc, mn, i);
        float d = Fp.roundF16(max(sc) / 15), dmin = Fp.roundF16(max(mn) / 15);
        byte[] scales = new byte[16];
        int[] q = new int[256];
        for (int i = 0; i < 16; i++) {
            int ls = d == 0 ? 0 : Math.min(15, Math.round(sc[i] / d));
            int lm = dmin == 0 ? 0 : Math.min(15, Math.round(mn[i] / dmin));
            scales[i] = (byte) (ls | lm << 4);
            for (int j = 0; j < 16; j++) q[16 * i + j] = quant(x[off + 16 * i + j], d * ls, dmin * lm, 3);
        }
        out.put(scales);
        for (int n = 0; n < 2; n++) {
            for (int l = 0; l < 32; l++) {
                int b = 128 * n + l;
                out.put((byte) (q[b] | q[b + 32] << 2 | q[b + 64] << 4 | q[b + 96] << 6));
            }
        }
        out.putShort(Float.floatToFloat16(d)).putShort(Float.floatToFloat16(dmin));
    }

    private static void q3K(float[] x, int off, ByteBuffer out) {
        float[] sc = new float[16];
        for (int i = 0; i < 16; i++) sc[i] = signedAbsMax(x, off + 16 * i, 16) / -4;
        float d = Fp.roundF16(-signedAbsMax(sc, 0, 16) / 32); // the largest scale maps to -32
        int[] q = new int[256];
        byte[] scales = new byte[12];
        for (int i = 0; i < 16; i++) {
            int l = d == 0 ? 0 : Math.max(-32, Math.min(31, Math.round(sc[i] / d)));
            float s = d * l;
            for (int j = 0; j < 16; j++) {
                q[16 * i + j] = s == 0 ? 4 : Math.max(-4, Math.min(3, Math.round(x[off + 16 * i + j] / s))) + 4;
            }
            int u = l + 32;
            if (i < 8) scales[i] = (byte) (u & 0xF); else scales[i - 8] |= (byte) ((u & 0xF) << 4);
            scales[8 + i % 4] |= (byte) ((u >> 4) << (2 * (i / 4)));
        }
        byte[] hmask = new byte[32], qs = new byte[64];
        for (int e = 0; e < 256; e++) {
            int n = e / 128, j = (e % 128) / 32, l = e % 32;
            qs[32 * n + l] |= (byte) ((q[e] & 3) << (2 * j));
            if (q[e] > 3) hmask[l] |= (byte) (1 << (4 * n + j));
        }
        out.put(hmask).put(qs).put(scales).putShort(Float.floatToFloat16(d));
    }

    private static void q45K(float[] x, int off, ByteBuffer out, boolean five) {
        int nmax = five ? 31 : 15;
        float[] sc = new float[8], mn = new float[8];
        for (int i = 0; i < 8; i++) fitMin(x, off + 32 * i, 32, nmax, sc, mn, i);
        float d = Fp.roundF16(max(sc) / 63), dmin = Fp.roundF16(max(mn) / 63);
        byte[] scales = new byte[12];
        int[] q = new int[256];
        for (int i = 0; i < 8; i++) {
            int ls = d == 0 ? 0 : Math.min(63, Math.round(sc[i] / d));
            int lm = dmin == 0 ? 0 : Math.min(63, Math.round(mn[i] / dmin));
            if (i < 4) {
                scales[i] = (byte) ls;
                scales[i + 4] = (byte) lm;
            } else {
                scales[i + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
                scales[i - 4] |= (byte) ((ls >> 4) << 6);
                scales[i] |= (byte) ((lm >> 4) << 6);
            }
            for (int j = 0; j < 32; j++) q[32 * i + j] = quant(x[off + 32 * i + j], d * ls, dmin * lm, nmax);
        }
        out.putShort(Float.floatToFloat16(d)).putShort(Float.floatToFloat16(dmin)).put(scales);
        if (five) {
            byte[] qh = new byte[32];
            for (int e = 0; e < 256; e++) if (q[e] > 15) qh[e % 32] |= (byte) (1 << (e / 32));
            out.put(qh);
        }
        for (int j = 0; j < 4; j++) {
            for (int l = 0; l < 32; l++) out.put((byte) ((q[64 * j + l] & 0xF) | (q[64 * j + 32 + l] & 0xF) << 4));
        }
    }

    private static void q6K(float[] x, int off, ByteBuffer out) {
        float[] sc = new float[16];
        for (int i = 0; i < 16; i++) sc[i] = signedAbsMax(x, off + 16 * i, 16) / -32;
        float d = Fp.roundF16(-signedAbsMax(sc, 0, 16) / 128); // the largest scale maps to -128
        int[] q = new int[256];
        byte[] scales = new byte[16];
        for (int i = 0; i < 16; i++) {
            int l = d == 0 ? 0 : Math.max(-128, Math.min(127, Math.round(sc[i] / d)));
            scales[i] = (byte) l;
            float s = d * l;
            for (int j = 0; j < 16; j++) {
                q[16 * i + j] = s == 0 ? 32 : Math.max(-32, Math.min(31, Math.round(x[off + 16 * i + j] / s))) + 32;
            }
        }
        byte[] ql = new byte[128], qh = new byte[64];
        for (int n = 0; n < 2; n++) {
            for (int l = 0; l < 32; l++) {
                int b = 128 * n + l;
                ql[64 * n + l] = (byte) ((q[b] & 0xF) | (q[b + 64] & 0xF) << 4);
                ql[64 * n + l + 32] = (byte) ((q[b + 32] & 0xF) | (q[b + 96] & 0xF) << 4);
                qh[32 * n + l] = (byte) ((q[b] >> 4) | (q[b + 32] >> 4) << 2 | (q[b + 64] >> 4) << 4 | (q[b + 96] >> 4) << 6);
            }
        }
        out.put(ql).put(qh).put(scales).putShort(Float.floatToFloat16(d));
    }
}
