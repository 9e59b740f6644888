package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * Q4_K: blocks of 256 as {fp16 d, fp16 dmin, uint8 scales[12] (eight 6-bit scales and mins), uint8 qs[128]};
 * sub-block j of 32 values: value = d * sc_j * q - dmin * m_j. The dot follows llama.cpp's AVX2 path, which
 * repacks Q4_K and runs ggml_gemv_q4_K_8x8_q8_K: per row, block after block,
 * acc = fma(sum_j sc_j * dot_j, d * d_x, acc) and accMin = fma(sum_j m_j * bsum_j, dmin * d_x, accMin);
 * the result is acc - accMin.
 */
final class Q4KTensor extends KQuantTensor {
    Q4KTensor(int rows, int cols, MemorySegment data) {
        this(rows, cols, data, null);
    }

    /** @param alloc where the interleaved copy ({@link InterleavedQ4K}) goes, or null to multiply in the file's layout */
    Q4KTensor(int rows, int cols, MemorySegment data, SegmentAllocator alloc) {
        super(GGMLType.Q4_K, rows, cols, data, Interleaved.worthwhile(alloc, rows) ? InterleavedQ4K.of(data, rows, cols, alloc) : null);
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
        MemorySegment data = this.data;
        short[] y = in.evenOdd;
        int[] bs = in.bsums;
        float acc = 0, accMin = 0;
        long o = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++, o += 144) {
            long scales = scales(data, o + 4), mins = mins(data, o + 4);
            int summ = 0;
            for (int i = 0; i < 8; i++) summ += (int) (mins >>> 8 * i & 0xFF) * (bs[16 * b + 2 * i] + bs[16 * b + 2 * i + 1]);
            IntVector sumi = IntVector.zero(Fp.I256);
            for (int j = 0; j < 4; j++) {
                ShortVector s = Fp.loadShorts(data, o + 16 + 32 * j);
                int yo = 256 * b + 64 * j;
                ShortVector plo = s.and(Fp.S_000F).mul(ShortVector.fromArray(Fp.S256, y, yo))
                        .add(s.lanewise(VectorOperators.LSHR, 8).and(Fp.S_000F).mul(ShortVector.fromArray(Fp.S256, y, yo + 16)));
                ShortVector phi = s.lanewise(VectorOperators.LSHR, 4).and(Fp.S_000F).mul(ShortVector.fromArray(Fp.S256, y, yo + 32))
                        .add(s.lanewise(VectorOperators.LSHR, 12).mul(ShortVector.fromArray(Fp.S256, y, yo + 48)));
                sumi = sumi.add(Fp.pairs16(plo).mul((int) (scales >>> 16 * j & 0xFF)))
                        .add(Fp.pairs16(phi).mul((int) (scales >>> 16 * j + 8 & 0xFF)));
            }
            float dx = in.d[b];
            acc = Math.fma((float) sumi.reduceLanes(VectorOperators.ADD), Fp.f16(data, o) * dx, acc);
            accMin = Math.fma((float) summ, Fp.f16(data, o + 2) * dx, accMin);
        }
        return acc - accMin;
    }

    @Override
    boolean hasTile() {
        return true;
    }

    /** {@link #dot} for several tokens, the nibbles, scales and mins of each block unpacked once. */
    @Override
    void tile(int row, Q8KInput[] ins, int tn, float[][] out, int t0, Scratch scratch) {
        MemorySegment data = this.data;
        short[] w = scratch.weights;
        int[] sm = scratch.blockInts;   // [0, 8): scales, [8, 16): mins
        float[] acc = scratch.accs;     // [0, tn): sums, [64, 64 + tn): min sums
        java.util.Arrays.fill(acc, 0, 64 + TILE, 0f);
        long o = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++, o += 144) {
            long scales = scales(data, o + 4), mins = mins(data, o + 4);
            for (int i = 0; i < 8; i++) {
                sm[i] = (int) (scales >>> 8 * i & 0xFF);
                sm[8 + i] = (int) (mins >>> 8 * i & 0xFF);
            }
            float dw = Fp.f16(data, o), dmin = Fp.f16(data, o + 2);
            for (int j = 0; j < 4; j++) {
                ShortVector q = Fp.loadShorts(data, o + 16 + 32 * j);
                q.and(Fp.S_000F).intoArray(w, 64 * j);
                q.lanewise(VectorOperators.LSHR, 8).and(Fp.S_000F).intoArray(w, 64 * j + 16);
                q.lanewise(VectorOperators.LSHR, 4).and(Fp.S_000F).intoArray(w, 64 * j + 32);
                q.lanewise(VectorOperators.LSHR, 12).intoArray(w, 64 * j + 48);
            }
            for (int t = 0; t < tn; t++) {
                Q8KInput x = ins[t];
                short[] y = x.evenOdd;
                int[] bs = x.bsums;
                int summ = 0;
                for (int i = 0; i < 8; i++) summ += sm[8 + i] * (bs[16 * b + 2 * i] + bs[16 * b + 2 * i + 1]);
                IntVector sumi = IntVector.zero(Fp.I256);
                for (int j = 0; j < 4; j++) {
                    int yo = 256 * b + 64 * j, wo = 64 * j;
                    ShortVector plo = ShortVector.fromArray(Fp.S256, w, wo).mul(ShortVector.fromArray(Fp.S256, y, yo))
                            .add(ShortVector.fromArray(Fp.S256, w, wo + 16).mul(ShortVector.fromArray(Fp.S256, y, yo + 16)));
                    ShortVector phi = ShortVector.fromArray(Fp.S256, w, wo + 32).mul(ShortVector.fromArray(Fp.S256, y, yo + 32))
                            .add(ShortVector.fromArray(Fp.S256, w, wo + 48).mul(ShortVector.fromArray(Fp.S256, y, yo + 48)));
                    IntVector a = plo.reinterpretAsInts(), c = phi.reinterpretAsInts();
                    IntVector lo = a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(a.lanewise(VectorOperators.ASHR, 16));
                    IntVector hi = c.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(c.lanewise(VectorOperators.ASHR, 16));
                    sumi = sumi.add(lo.mul(sm[2 * j])).add(hi.mul(sm[2 * j + 1]));
                }
                float dx = x.d[b];
                acc[t] = Math.fma((float) sumi.reduceLanes(VectorOperators.ADD), dw * dx, acc[t]);
                acc[64 + t] = Math.fma((float) summ, dmin * dx, acc[64 + t]);
            }
        }
        for (int t = 0; t < tn; t++) out[t0 + t][row] = acc[t] - acc[64 + t];
    }
}
