package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * Q6_K: blocks of 256 as {uint8 ql[128], uint8 qh[64], int8 scales[16], fp16 d}; value = d * scale * (q - 32)
 * with q = 4 low bits from ql and 2 high bits from qh. Dot as ggml_vec_dot_q6_K_q8_K (AVX2): unsigned q times
 * the activations per lane, minus 32 * sum(scale * bsum) per lane, then eight float lanes.
 */
final class Q6KTensor extends KQuantTensor {
    Q6KTensor(int rows, int cols, MemorySegment data) {
        this(rows, cols, data, null);
    }

    /** @param alloc where the interleaved copy ({@link InterleavedQ6K}) goes, or null to multiply in the file's layout */
    Q6KTensor(int rows, int cols, MemorySegment data, SegmentAllocator alloc) {
        super(GGMLType.Q6_K, rows, cols, data, Interleaved.worthwhile(alloc, rows) ? InterleavedQ6K.of(data, rows, cols, alloc) : null);
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int b = 0; b < blocksPerRow; b++) {
            long o = blockOffset(row, b);
            float d = Fp.f16(data, o + 208);
            for (int n = 0; n < 2; n++) {
                long ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n;
                int y = dstOff + b * 256 + 128 * n;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int a = Fp.u8(data, ql + l) & 0xFF, c = Fp.u8(data, ql + l + 32) & 0xFF, h = Fp.u8(data, qh + l) & 0xFF;
                    int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((c & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = ((c >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * Fp.u8(data, sc + is) * q1;
                    dst[y + l + 32] = d * Fp.u8(data, sc + is + 2) * q2;
                    dst[y + l + 64] = d * Fp.u8(data, sc + is + 4) * q3;
                    dst[y + l + 96] = d * Fp.u8(data, sc + is + 6) * q4;
                }
            }
        }
    }

    @Override
    float dot(int row, Q8KInput in) {
        MemorySegment data = this.data;
        short[] y = in.evenOdd;
        float[] dx = in.d;
        int[] bs = in.bsums;
        Scratch scratch = Scratch.get();
        int[] sub = scratch.ints;
        FloatVector acc = FloatVector.zero(Fp.F256);
        long o = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++, o += 210) {
            float d = dx[b] * Fp.f16(data, o + 208);
            IntVector sumi = IntVector.zero(Fp.I256);
            // chunk c of 32 values (n = c / 4, j = c % 4): 4 low bits from ql (low or high nibbles), 2 from qh
            for (int c = 0; c < 8; c++) {
                int n = c >> 2, j = c & 3;
                ShortVector ql = Fp.loadShorts(data, o + 64 * n + 32 * (j & 1))
                        .lanewise(VectorOperators.LSHR, 4 * (j >> 1)).and(Fp.S_0F0F);
                ShortVector qh = Fp.loadShorts(data, o + 128 + 32 * n)
                        .lanewise(VectorOperators.LSHR, 2 * j).and(Fp.S_0303).lanewise(VectorOperators.LSHL, 4);
                short pair = data.get(Fp.SHORT, o + 192 + 2 * c);
                int lo = (byte) pair, hi = pair >> 8;
                sumi = sumi.add(Fp.groupDotU(ql.or(qh), y, 256 * b + 32 * c).mul(Fp.halves(lo, hi)));
                // lane c of what is subtracted: 32 * (scale[2c] * bsum[2c] + scale[2c+1] * bsum[2c+1])
                sub[c] = (lo * bs[16 * b + 2 * c] + hi * bs[16 * b + 2 * c + 1]) << 5;
            }
            sumi = sumi.sub(IntVector.fromArray(Fp.I256, sub, 0));
            acc = ((FloatVector) sumi.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Fp.F256, d), acc);
        }
        acc.intoArray(scratch.scales, 0);
        return Fp.sum8(scratch.scales);
    }

    @Override
    boolean hasTile() {
        return true;
    }

    /** {@link #dot} for several tokens, the 6-bit quants and scales of each block unpacked once. */
    @Override
    void tile(int row, Q8KInput[] ins, int tn, float[][] out, int t0, Scratch scratch) {
        MemorySegment data = this.data;
        short[] w = scratch.weights;
        int[] ints = scratch.blockInts;   // [0, 64): per chunk the scale halves; [64, 80): scales; [80, 88): sub
        float[] acc = scratch.accs;
        java.util.Arrays.fill(acc, 0, 8 * tn, 0f);
        long o = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++, o += 210) {
            float dw = Fp.f16(data, o + 208);
            for (int c = 0; c < 8; c++) {
                int n = c >> 2, j = c & 3;
                ShortVector ql = Fp.loadShorts(data, o + 64 * n + 32 * (j & 1))
                        .lanewise(VectorOperators.LSHR, 4 * (j >> 1)).and(Fp.S_0F0F);
                ShortVector qh = Fp.loadShorts(data, o + 128 + 32 * n)
                        .lanewise(VectorOperators.LSHR, 2 * j).and(Fp.S_0303).lanewise(VectorOperators.LSHL, 4);
                ShortVector q = ql.or(qh);
                q.and(Fp.S_00FF).intoArray(w, 32 * c);
                q.lanewise(VectorOperators.LSHR, 8).intoArray(w, 32 * c + 16);
                short pair = data.get(Fp.SHORT, o + 192 + 2 * c);
                int lo = (byte) pair, hi = pair >> 8;
                ints[64 + 2 * c] = lo;
                ints[65 + 2 * c] = hi;
                Fp.halves(lo, hi).intoArray(ints, 8 * c);
            }
            for (int t = 0; t < tn; t++) {
                Q8KInput x = ins[t];
                short[] y = x.evenOdd;
                int[] bs = x.bsums;
                IntVector sumi = IntVector.zero(Fp.I256);
                for (int c = 0; c < 8; c++) {
                    int yo = 256 * b + 32 * c;
                    ShortVector p = ShortVector.fromArray(Fp.S256, w, 32 * c).mul(ShortVector.fromArray(Fp.S256, y, yo))
                            .add(ShortVector.fromArray(Fp.S256, w, 32 * c + 16).mul(ShortVector.fromArray(Fp.S256, y, yo + 16)));
                    IntVector pi = p.reinterpretAsInts();
                    IntVector pairs = pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(pi.lanewise(VectorOperators.ASHR, 16));
                    sumi = sumi.add(pairs.mul(IntVector.fromArray(Fp.I256, ints, 8 * c)));
                    ints[80 + c] = (ints[64 + 2 * c] * bs[16 * b + 2 * c] + ints[65 + 2 * c] * bs[16 * b + 2 * c + 1]) << 5;
                }
                sumi = sumi.sub(IntVector.fromArray(Fp.I256, ints, 80));
                float d = x.d[b] * dw;
                ((FloatVector) sumi.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(Fp.F256, d), FloatVector.fromArray(Fp.F256, acc, 8 * t))
                        .intoArray(acc, 8 * t);
            }
        }
        for (int t = 0; t < tn; t++) out[t0 + t][row] = Fp.sum8(acc, 8 * t);
    }
}
