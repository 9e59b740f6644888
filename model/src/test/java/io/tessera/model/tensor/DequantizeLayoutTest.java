package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Blocks built byte by byte (random quant bytes, chosen fp16 scales) and decoded with the layout formulas of
 * ggml-common.h written out here per element index, independently of the implementation's loops.
 */
class DequantizeLayoutTest {
    private final Random rnd = new Random(42);

    private byte[] randomBlocks(GGMLType t, int blocks) {
        byte[] b = new byte[t.typeSize * blocks];
        rnd.nextBytes(b);
        return b;
    }

    private static void half(byte[] b, int off, float v) {
        short h = Float.floatToFloat16(v);
        b[off] = (byte) h;
        b[off + 1] = (byte) (h >> 8);
    }

    private static int u(byte[] b, int i) { return b[i] & 0xFF; }

    private static float[] dequant(WeightTensor t, int row) {
        float[] out = new float[t.cols()];
        t.dequantizeRow(row, out, 0);
        return out;
    }

    @Test
    void q8_0() {
        byte[] b = randomBlocks(GGMLType.Q8_0, 2);
        half(b, 0, 0.5f);
        half(b, 34, -0.125f);
        float[] y = dequant(new Q8_0Tensor(1, 64, MemorySegment.ofArray(b)), 0);
        for (int e = 0; e < 64; e++) assertThat(y[e]).isEqualTo(b[(e / 32) * 34 + 2 + e % 32] * (e < 32 ? 0.5f : -0.125f));
    }

    @Test
    void q4_0HandPicked() {
        byte[] b = new byte[18];
        half(b, 0, 0.5f);
        for (int j = 0; j < 16; j++) b[2 + j] = (byte) (j | (15 - j) << 4);
        float[] y = dequant(new Q4_0Tensor(1, 32, MemorySegment.ofArray(b)), 0);
        for (int j = 0; j < 16; j++) {
            assertThat(y[j]).isEqualTo((j - 8) * 0.5f);
            assertThat(y[j + 16]).isEqualTo((7 - j) * 0.5f);
        }
    }

    @Test
    void q4_0SecondRow() {
        byte[] b = randomBlocks(GGMLType.Q4_0, 2);
        half(b, 0, 1f);
        half(b, 18, 0.25f);
        float[] y = dequant(new Q4_0Tensor(2, 32, MemorySegment.ofArray(b)), 1);
        for (int e = 0; e < 32; e++) {
            int q = e < 16 ? u(b, 20 + e) & 0xF : u(b, 20 + e - 16) >> 4;
            assertThat(y[e]).isEqualTo((q - 8) * 0.25f);
        }
    }

    @Test
    void q4_1() {
        byte[] b = randomBlocks(GGMLType.Q4_1, 1);
        half(b, 0, 0.25f);
        half(b, 2, -1.5f);
        float[] y = dequant(new Q4_1Tensor(1, 32, MemorySegment.ofArray(b)), 0);
        for (int e = 0; e < 32; e++) {
            int q = e < 16 ? u(b, 4 + e) & 0xF : u(b, 4 + e - 16) >> 4;
            assertThat(y[e]).isEqualTo(q * 0.25f - 1.5f);
        }
    }

    private static int qh32(byte[] b, int off) {
        return u(b, off) | u(b, off + 1) << 8 | u(b, off + 2) << 16 | u(b, off + 3) << 24;
    }

    @Test
    void q5_0() {
        byte[] b = randomBlocks(GGMLType.Q5_0, 1);
        half(b, 0, 0.5f);
        float[] y = dequant(new Q5_0Tensor(1, 32, MemorySegment.ofArray(b)), 0);
        int qh = qh32(b, 2);
        for (int e = 0; e < 32; e++) {
            int q = (e < 16 ? u(b, 6 + e) & 0xF : u(b, 6 + e - 16) >> 4) | ((qh >>> e) & 1) << 4;
            assertThat(y[e]).isEqualTo((q - 16) * 0.5f);
        }
    }

    @Test
    void q5_1() {
        byte[] b = randomBlocks(GGMLType.Q5_1, 1);
        half(b, 0, 0.125f);
        half(b, 2, 2f);
        float[] y = dequant(new Q5_1Tensor(1, 32, MemorySegment.ofArray(b)), 0);
        int qh = qh32(b, 4);
        for (int e = 0; e < 32; e++) {
            int q = (e < 16 ? u(b, 8 + e) & 0xF : u(b, 8 + e - 16) >> 4) | ((qh >>> e) & 1) << 4;
            assertThat(y[e]).isEqualTo(q * 0.125f + 2f);
        }
    }

    @Test
    void q2K() {
        byte[] b = randomBlocks(GGMLType.Q2_K, 1);
        half(b, 80, 0.5f);
        half(b, 82, 0.25f);
        float[] y = dequant(new Q2KTensor(1, 256, MemorySegment.ofArray(b)), 0);
        for (int e = 0; e < 256; e++) {
            int n = e / 128, j = e % 128 / 32, l = e % 32;
            int sc = u(b, 8 * n + 2 * j + l / 16);
            int q = (u(b, 16 + 32 * n + l) >> (2 * j)) & 3;
            assertThat(y[e]).isEqualTo(0.5f * (sc & 15) * q - 0.25f * (sc >> 4));
        }
    }

    @Test
    void q3K() {
        byte[] b = randomBlocks(GGMLType.Q3_K, 1);
        half(b, 108, 0.5f);
        int[] scale = new int[16];
        for (int i = 0; i < 16; i++) {
            int low = i < 8 ? u(b, 96 + i) & 0xF : u(b, 96 + i - 8) >> 4;
            int high = (u(b, 96 + 8 + i % 4) >> (2 * (i / 4))) & 3;
            scale[i] = (low | high << 4) - 32;
        }
        float[] y = dequant(new Q3KTensor(1, 256, MemorySegment.ofArray(b)), 0);
        for (int e = 0; e < 256; e++) {
            int n = e / 128, j = e % 128 / 32, l = e % 32;
            int q = (u(b, 32 + 32 * n + l) >> (2 * j)) & 3;
            int hbit = (u(b, l) >> (4 * n + j)) & 1;
            assertThat(y[e]).isEqualTo(0.5f * scale[8 * n + 2 * j + l / 16] * (q - (hbit == 1 ? 0 : 4)));
        }
    }

    /** The 6-bit scale (which 0) or min (which 1) of sub-block i in Q4_K/Q5_K's 12 bytes at off. */
    private static int scaleMin(byte[] b, int off, int i, int which) {
        if (i < 4) return u(b, off + i + 4 * which) & 63;
        int low = which == 0 ? u(b, off + i + 4) & 0xF : u(b, off + i + 4) >> 4;
        int high = u(b, off + i - 4 * (1 - which)) >> 6;
        return low | high << 4;
    }

    @Test
    void q4K() {
        byte[] b = randomBlocks(GGMLType.Q4_K, 1);
        half(b, 0, 0.5f);
        half(b, 2, 0.125f);
        float[] y = dequant(new Q4KTensor(1, 256, MemorySegment.ofArray(b)), 0);
        for (int e = 0; e < 256; e++) {
            int j = e / 64, hi = e % 64 / 32, l = e % 32, sub = 2 * j + hi;
            int q = hi == 0 ? u(b, 16 + 32 * j + l) & 0xF : u(b, 16 + 32 * j + l) >> 4;
            assertThat(y[e]).isEqualTo(0.5f * scaleMin(b, 4, sub, 0) * q - 0.125f * scaleMin(b, 4, sub, 1));
        }
    }

    @Test
    void q5K() {
        byte[] b = randomBlocks(GGMLType.Q5_K, 1);
        half(b, 0, 0.5f);
        half(b, 2, 0.125f);
        float[] y = dequant(new Q5KTensor(1, 256, MemorySegment.ofArray(b)), 0);
        for (int e = 0; e < 256; e++) {
            int j = e / 64, hi = e % 64 / 32, l = e % 32, sub = 2 * j + hi;
            int q = (hi == 0 ? u(b, 48 + 32 * j + l) & 0xF : u(b, 48 + 32 * j + l) >> 4) + 16 * ((u(b, 16 + l) >> sub) & 1);
            assertThat(y[e]).isEqualTo(0.5f * scaleMin(b, 4, sub, 0) * q - 0.125f * scaleMin(b, 4, sub, 1));
        }
    }

    @Test
    void q6K() {
        byte[] b = randomBlocks(GGMLType.Q6_K, 1);
        half(b, 208, 0.25f);
        float[] y = dequant(new Q6KTensor(1, 256, MemorySegment.ofArray(b)), 0);
        for (int e = 0; e < 256; e++) {
            int n = e / 128, c = e % 128 / 32, l = e % 32;
            int ql = u(b, 64 * n + l + 32 * (c & 1));
            int low = c < 2 ? ql & 0xF : ql >> 4;
            int high = (u(b, 128 + 32 * n + l) >> (2 * c)) & 3;
            assertThat(y[e]).isEqualTo(0.25f * b[192 + 8 * n + 2 * c + l / 16] * ((low | high << 4) - 32));
        }
    }

    @Test
    void floatTypes() {
        float[] v = {1.5f, -2.25f, 65504f, 6.0e-8f, 0f, -0f, 3.1415927f, 1e-3f};
        byte[] f16 = new byte[16], bf16 = new byte[16], f32 = new byte[32];
        for (int i = 0; i < 8; i++) {
            half(f16, 2 * i, v[i]);
            int bits = Float.floatToRawIntBits(v[i]);
            bf16[2 * i] = (byte) (bits >>> 16);
            bf16[2 * i + 1] = (byte) (bits >>> 24);
            for (int k = 0; k < 4; k++) f32[4 * i + k] = (byte) (bits >>> (8 * k));
        }
        float[] a = dequant(new F16Tensor(1, 8, MemorySegment.ofArray(f16)), 0);
        float[] c = dequant(new BF16Tensor(1, 8, MemorySegment.ofArray(bf16)), 0);
        float[] d = dequant(new F32Tensor(1, 8, MemorySegment.ofArray(f32)), 0);
        for (int i = 0; i < 8; i++) {
            assertThat(a[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(v[i])));
            assertThat(c[i]).isEqualTo(Float.intBitsToFloat(Float.floatToRawIntBits(v[i]) & 0xFFFF0000));
            assertThat(d[i]).isEqualTo(v[i]);
        }
    }
}
