package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q2_K: blocks of 256 as {uint8 scales[16] (low nibble scale, high nibble min), uint8 qs[64], fp16 d, fp16 dmin};
 * sub-block of 16: value = d * (sc & 15) * q - dmin * (sc >> 4), q 2 bits. Dot as ggml_vec_dot_q2_K_q8_K (AVX2).
 */
final class Q2KTensor extends KQuantTensor {
    Q2KTensor(int rows, int cols, MemorySegment data) {
        super(GGMLType.Q2_K, rows, cols, data);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            float d = Fp.f16(data, o + 80), min = Fp.f16(data, o + 82);
            int y = dstOff + b * 256, is = 0;
            for (int n = 0; n < 2; n++) {
                long q = o + 16 + 32 * n;
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int half = 0; half < 2; half++) {
                        int sc = Fp.u8(data, o + is++) & 0xFF;
                        float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                        for (int l = 0; l < 16; l++) {
                            dst[y++] = dl * (((Fp.u8(data, q + 16 * half + l) & 0xFF) >> shift) & 3) - ml;
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
        int[] bs = in.bsums;
        float[] dx = in.d;
        Scratch scratch = Scratch.get();
        int[] prod = scratch.ints;
        FloatVector acc = FloatVector.zero(Fp.F256);
        long o = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++, o += 84) {
            float d = dx[b] * Fp.f16(data, o + 80);
            float dmin = -dx[b] * Fp.f16(data, o + 82);
            IntVector sumi = IntVector.zero(Fp.I256);
            // chunk c of 32 values (n = c / 4, j = c % 4) uses scale bytes 2c and 2c+1 (low nibble scale, high min)
            for (int c = 0; c < 8; c++) {
                int n = c >> 2, j = c & 3;
                ShortVector q = Fp.loadShorts(data, o + 16 + 32 * n).lanewise(VectorOperators.LSHR, 2 * j).and(Fp.S_0303);
                short pair = data.get(Fp.SHORT, o + 2 * c);
                int lo = pair & 0xFF, hi = (pair >> 8) & 0xFF;
                sumi = sumi.add(Fp.groupDotU(q, y, 256 * b + 32 * c).mul(Fp.halves(lo & 0xF, hi & 0xF)));
                // lane c of the min term: min[2c] * bsum[2c] + min[2c+1] * bsum[2c+1]
                prod[c] = (lo >> 4) * bs[16 * b + 2 * c] + (hi >> 4) * bs[16 * b + 2 * c + 1];
            }
            acc = Fp.fmaLanes(IntVector.fromArray(Fp.I256, prod, 0), dmin, acc);
            acc = Fp.fmaLanes(sumi, d, acc);
        }
        return Fp.hsum8(acc, scratch.scales);
    }
}
