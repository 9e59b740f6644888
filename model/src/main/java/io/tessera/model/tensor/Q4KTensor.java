package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K: blocks of 256 as {fp16 d, fp16 dmin, uint8 scales[12] (eight 6-bit scales and mins), uint8 qs[128]};
 * sub-block j of 32 values: value = d * sc_j * q - dmin * m_j. The dot follows llama.cpp's AVX2 path, which
 * repacks Q4_K and runs ggml_gemv_q4_K_8x8_q8_K: per row, block after block,
 * acc = fma(sum_j sc_j * dot_j, d * d_x, acc) and accMin = fma(sum_j m_j * bsum_j, dmin * d_x, accMin);
 * the result is acc - accMin.
 */
final class Q4KTensor extends KQuantTensor {
    Q4KTensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q4_K, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            float d = Fp.f16(data, o), min = Fp.f16(data, o + 2);
            int y = dstOff + b * 256;
            for (int j = 0; j < 4; j++) {
                float d1 = d * scaleMinK4(data, o + 4, 2 * j, 0), m1 = min * scaleMinK4(data, o + 4, 2 * j, 1);
                float d2 = d * scaleMinK4(data, o + 4, 2 * j + 1, 0), m2 = min * scaleMinK4(data, o + 4, 2 * j + 1, 1);
                for (int l = 0; l < 32; l++) {
                    int q = Fp.u8(data, o + 16 + 32 * j + l) & 0xFF;
                    dst[y + 64 * j + l] = d1 * (q & 0xF) - m1;
                    dst[y + 64 * j + 32 + l] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }

    @Override
    float dot(int row, Q8KInput in) {
        float acc = 0, accMin = 0;
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            int yb = b * 256;
            IntVector sumi = IntVector.zero(Fp.I256);
            int summ = 0;
            for (int j = 0; j < 4; j++) {
                ByteVector q = Fp.load(data, o + 16 + 32 * j);
                IntVector lo = Fp.groupDot(q.and((byte) 0xF), in.evenOdd, yb + 64 * j);
                IntVector hi = Fp.groupDot(Fp.shiftMask(q, 4, 0xF), in.evenOdd, yb + 64 * j + 32);
                sumi = sumi.add(lo.mul(scaleMinK4(data, o + 4, 2 * j, 0)))
                        .add(hi.mul(scaleMinK4(data, o + 4, 2 * j + 1, 0)));
                int bs = 16 * b + 4 * j;
                summ += scaleMinK4(data, o + 4, 2 * j, 1) * (in.bsums[bs] + in.bsums[bs + 1])
                        + scaleMinK4(data, o + 4, 2 * j + 1, 1) * (in.bsums[bs + 2] + in.bsums[bs + 3]);
            }
            float dx = in.d[b];
            acc = Math.fma((float) sumi.reduceLanes(VectorOperators.ADD), Fp.f16(data, o) * dx, acc);
            accMin = Math.fma((float) summ, Fp.f16(data, o + 2) * dx, accMin);
        }
        return acc - accMin;
    }
}
