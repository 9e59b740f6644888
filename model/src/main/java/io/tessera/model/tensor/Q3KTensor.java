package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q3_K: blocks of 256 as {uint8 hmask[32], uint8 qs[64], uint8 scales[12] (sixteen 6-bit scales, offset 32),
 * fp16 d}; value = d * (scale - 32) * (q2 - (hmask bit set ? 0 : 4)). Dot as ggml_vec_dot_q3_K_q8_K (AVX2).
 */
final class Q3KTensor extends KQuantTensor {
    Q3KTensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q3_K, rows, cols, data);
    }

    /** Signed scale i (0..15) unpacked from the 12 scale bytes at {@code off}. */
    static int scale(MemorySegment s, long off, int i) {
        int low = i < 8 ? Fp.u8(s, off + i) & 0xF : (Fp.u8(s, off + i - 8) & 0xFF) >>> 4;
        int high = ((Fp.u8(s, off + 8 + (i & 3)) & 0xFF) >>> (2 * (i >> 2))) & 3;
        return (low | high << 4) - 32;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            float dAll = Fp.f16(data, o + 108);
            int y = dstOff + b * 256, is = 0, m = 1;
            for (int n = 0; n < 2; n++) {
                long q = o + 32 + 32 * n;
                for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                    for (int half = 0; half < 2; half++) {
                        float dl = dAll * scale(data, o + 96, is++);
                        for (int l = 16 * half; l < 16 * half + 16; l++) {
                            int q2 = ((Fp.u8(data, q + l) & 0xFF) >> shift) & 3;
                            int h = (Fp.u8(data, o + l) & m) != 0 ? 0 : 4;
                            dst[y++] = dl * (q2 - h);
                        }
                    }
                }
            }
        }
    }

    @Override
    float dot(int row, Q8KInput in) {
        MemorySegment data = this.data;
        short[] y = in.evenOdd;
        float[] dx = in.d;
        FloatVector acc = FloatVector.zero(Fp.F256);
        long o = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++, o += 110) {
            float d = dx[b] * Fp.f16(data, o + 108);
            // the sixteen 6-bit scales (+ 32), one per byte: sc0 for 0..7, sc1 for 8..15
            int a0 = data.get(Fp.INT, o + 96), a1 = data.get(Fp.INT, o + 100), t = data.get(Fp.INT, o + 104);
            long sc0 = ((a0 & 0x0f0f0f0f) | ((t & 0x03030303) << 4)) & 0xFFFFFFFFL
                    | (long) ((a1 & 0x0f0f0f0f) | (((t >>> 2) & 0x03030303) << 4)) << 32;
            long sc1 = (((a0 >>> 4) & 0x0f0f0f0f) | (((t >>> 4) & 0x03030303) << 4)) & 0xFFFFFFFFL
                    | (long) (((a1 >>> 4) & 0x0f0f0f0f) | (((t >>> 6) & 0x03030303) << 4)) << 32;
            ShortVector hmask = Fp.loadShorts(data, o);
            IntVector sumi = IntVector.zero(Fp.I256);
            // chunk c of 32 values (n = c / 4, j = c % 4): 2 bits from qs, the third from hmask (4 when set), minus 4
            for (int c = 0; c < 8; c++) {
                int n = c >> 2, j = c & 3;
                ShortVector q = Fp.loadShorts(data, o + 32 + 32 * n).lanewise(VectorOperators.LSHR, 2 * j).and(Fp.S_0303)
                        .or(hmask.lanewise(VectorOperators.LSHR, c).and(Fp.S_0101).lanewise(VectorOperators.LSHL, 2));
                long sc = n == 0 ? sc0 : sc1;
                int lo = (int) (sc >>> 16 * j & 0xFF) - 32, hi = (int) (sc >>> 16 * j + 8 & 0xFF) - 32;
                sumi = sumi.add(Fp.groupDotU(q, Fp.S_0004, y, 256 * b + 32 * c).mul(Fp.halves(lo, hi)));
            }
            acc = Fp.fmaLanes(sumi, d, acc);
        }
        return Fp.hsum8(acc, Scratch.get().scales);
    }
}
