package io.tessera.model.tensor;

import io.tessera.model.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

/**
 * F32, F16 and BF16 weights. llama.cpp (x86, AVX2) multiplies F32/F16 weights with llamafile's tinyBLAS when the
 * row length is a multiple of 8 (one 8-lane FMA accumulator, then hsum) and with ggml_vec_dot_f32/f16 otherwise
 * (four 8-lane accumulators over steps of 32, a pairwise reduce, scalar leftovers); BF16 always uses
 * ggml_vec_dot_bf16. Activations are rounded to the weight type first (F16, BF16) as ggml's vec_dot_type.
 */
abstract class FloatTensor extends SegmentTensor {
    private final FloatInput.Rounding rounding;

    FloatTensor(GGMLType type, int rows, int cols, MemorySegment data, FloatInput.Rounding rounding) {
        super(type, rows, cols, data);
        this.rounding = rounding;
    }

    /** Eight weights of row {@code row} from column {@code col}, as floats. */
    abstract FloatVector load8(int row, int col);

    abstract float get(int row, int col);

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        for (int c = 0; c < cols; c++) dst[dstOff + c] = get(row, c);
    }

    @Override
    public PreparedInput newInput() { return new FloatInput(cols, rounding); }

    @Override
    public PreparedInput prepare(float[] x, int xOff, PreparedInput into) {
        return FloatInput.check(into, cols, rounding).fill(x, xOff);
    }

    @Override
    public void matvec(PreparedInput x, float[] out, int outOff, int rowFrom, int rowTo) {
        float[] y = FloatInput.check(x, cols, rounding).values;
        for (int r = rowFrom; r < rowTo; r++) {
            out[outOff + r] = type == GGMLType.BF16 ? dotBf16(r, y) : cols % 8 == 0 ? dotTinyBlas(r, y) : dotGgml(r, y);
        }
    }

    /**
     * F32 and F16 (row length a multiple of 8): tiles of one row by eight tokens (then four, then two or three for the rest),
     * each weight vector loaded (and converted) once for the tile; per token the same lane-wise FMA chain and final sum as {@link #matvec}.
     */
    @Override
    public void matmul(PreparedInput[] xs, int count, float[][] out, int rowFrom, int rowTo) {
        if (type == GGMLType.BF16 || cols % 8 != 0 || count < 2) {
            super.matmul(xs, count, out, rowFrom, rowTo);
            return;
        }
        float[] tmp = Scratch.get().scales;
        int chunk = matmulRowChunk();
        float[][] y = count >= 8 ? new float[8][] : null;
        for (int r0 = rowFrom; r0 < rowTo; r0 += chunk) {
            int r1 = Math.min(rowTo, r0 + chunk);
            int t = 0;
            for (; t + 8 <= count; t += 8) {
                for (int i = 0; i < 8; i++) y[i] = FloatInput.check(xs[t + i], cols, rounding).values;
                for (int r = r0; r < r1; r++) {
                    tile8(r, y, tmp);
                    for (int i = 0; i < 8; i++) out[t + i][r] = Fp.sum8(tmp, 8 * i);
                }
            }
            for (; t + 4 <= count; t += 4) {
                float[] y0 = FloatInput.check(xs[t], cols, rounding).values;
                float[] y1 = FloatInput.check(xs[t + 1], cols, rounding).values;
                float[] y2 = FloatInput.check(xs[t + 2], cols, rounding).values;
                float[] y3 = FloatInput.check(xs[t + 3], cols, rounding).values;
                for (int r = r0; r < r1; r++) {
                    tile4(r, y0, y1, y2, y3, tmp);
                    out[t][r] = Fp.sum8(tmp, 0);
                    out[t + 1][r] = Fp.sum8(tmp, 8);
                    out[t + 2][r] = Fp.sum8(tmp, 16);
                    out[t + 3][r] = Fp.sum8(tmp, 24);
                }
            }
            if (count - t >= 2) { // two or three tokens left (a short speculative verification): still one load per weight
                float[] y0 = FloatInput.check(xs[t], cols, rounding).values;
                float[] y1 = FloatInput.check(xs[t + 1], cols, rounding).values;
                float[] y2 = count - t == 3 ? FloatInput.check(xs[t + 2], cols, rounding).values : null;
                for (int r = r0; r < r1; r++) {
                    tile3(r, y0, y1, y2, tmp);
                    out[t][r] = Fp.sum8(tmp, 0);
                    out[t + 1][r] = Fp.sum8(tmp, 8);
                    if (y2 != null) out[t + 2][r] = Fp.sum8(tmp, 16);
                }
                t = count;
            }
            for (; t < count; t++) matvec(xs[t], out[t], 0, r0, r1);
        }
    }

    /** Row {@code row} against two or three tokens ({@code y2} null for two); the lane-wise sums go to {@code tmp[0..24)}. */
    private void tile3(int row, float[] y0, float[] y1, float[] y2, float[] tmp) {
        FloatVector a0 = FloatVector.zero(Fp.F256), a1 = a0, a2 = a0;
        if (y2 == null) {
            for (int c = 0; c < cols; c += 8) {
                FloatVector w = load8(row, c);
                a0 = w.fma(FloatVector.fromArray(Fp.F256, y0, c), a0);
                a1 = w.fma(FloatVector.fromArray(Fp.F256, y1, c), a1);
            }
        } else {
            for (int c = 0; c < cols; c += 8) {
                FloatVector w = load8(row, c);
                a0 = w.fma(FloatVector.fromArray(Fp.F256, y0, c), a0);
                a1 = w.fma(FloatVector.fromArray(Fp.F256, y1, c), a1);
                a2 = w.fma(FloatVector.fromArray(Fp.F256, y2, c), a2);
            }
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, 8);
        a2.intoArray(tmp, 16);
    }

    /** Row {@code row} against eight tokens: one weight conversion per eight FMAs; the lane-wise sums go to {@code tmp[0..64)}. */
    private void tile8(int row, float[][] y, float[] tmp) {
        float[] y0 = y[0], y1 = y[1], y2 = y[2], y3 = y[3], y4 = y[4], y5 = y[5], y6 = y[6], y7 = y[7];
        FloatVector a0 = FloatVector.zero(Fp.F256), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int c = 0; c < cols; c += 8) {
            FloatVector w = load8(row, c);
            a0 = w.fma(FloatVector.fromArray(Fp.F256, y0, c), a0);
            a1 = w.fma(FloatVector.fromArray(Fp.F256, y1, c), a1);
            a2 = w.fma(FloatVector.fromArray(Fp.F256, y2, c), a2);
            a3 = w.fma(FloatVector.fromArray(Fp.F256, y3, c), a3);
            a4 = w.fma(FloatVector.fromArray(Fp.F256, y4, c), a4);
            a5 = w.fma(FloatVector.fromArray(Fp.F256, y5, c), a5);
            a6 = w.fma(FloatVector.fromArray(Fp.F256, y6, c), a6);
            a7 = w.fma(FloatVector.fromArray(Fp.F256, y7, c), a7);
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, 8);
        a2.intoArray(tmp, 16);
        a3.intoArray(tmp, 24);
        a4.intoArray(tmp, 32);
        a5.intoArray(tmp, 40);
        a6.intoArray(tmp, 48);
        a7.intoArray(tmp, 56);
    }

    /** Row {@code row} against four tokens; the four lane-wise sums go to {@code tmp[0..32)}. */
    private void tile4(int row, float[] y0, float[] y1, float[] y2, float[] y3, float[] tmp) {
        FloatVector a0 = FloatVector.zero(Fp.F256), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < cols; c += 8) {
            FloatVector w = load8(row, c);
            a0 = w.fma(FloatVector.fromArray(Fp.F256, y0, c), a0);
            a1 = w.fma(FloatVector.fromArray(Fp.F256, y1, c), a1);
            a2 = w.fma(FloatVector.fromArray(Fp.F256, y2, c), a2);
            a3 = w.fma(FloatVector.fromArray(Fp.F256, y3, c), a3);
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, 8);
        a2.intoArray(tmp, 16);
        a3.intoArray(tmp, 24);
    }

    private float dotTinyBlas(int row, float[] y) {
        FloatVector acc = FloatVector.zero(Fp.F256);
        for (int c = 0; c < cols; c += 8) acc = load8(row, c).fma(FloatVector.fromArray(Fp.F256, y, c), acc);
        return Fp.hsum8(acc);
    }

    private float dotGgml(int row, float[] y) {
        FloatVector s0 = FloatVector.zero(Fp.F256), s1 = s0, s2 = s0, s3 = s0;
        int np = cols & ~31;
        for (int c = 0; c < np; c += 32) {
            s0 = load8(row, c).fma(FloatVector.fromArray(Fp.F256, y, c), s0);
            s1 = load8(row, c + 8).fma(FloatVector.fromArray(Fp.F256, y, c + 8), s1);
            s2 = load8(row, c + 16).fma(FloatVector.fromArray(Fp.F256, y, c + 16), s2);
            s3 = load8(row, c + 24).fma(FloatVector.fromArray(Fp.F256, y, c + 24), s3);
        }
        FloatVector v = s0.add(s2).add(s1.add(s3));
        float t0 = v.lane(0) + v.lane(4), t1 = v.lane(1) + v.lane(5), t2 = v.lane(2) + v.lane(6), t3 = v.lane(3) + v.lane(7);
        float reduced = (t0 + t1) + (t2 + t3);
        if (type == GGMLType.F32) {
            float sum = reduced;
            for (int c = np; c < cols; c++) sum = Math.fma(get(row, c), y[c], sum);
            return sum;
        }
        double sum = reduced;
        for (int c = np; c < cols; c++) sum += get(row, c) * y[c];
        return (float) sum;
    }

    private float dotBf16(int row, float[] y) {
        FloatVector c1 = FloatVector.zero(Fp.F256), c2 = c1, c3 = c1, c4 = c1;
        int c = 0;
        for (; c + 32 <= cols; c += 32) {
            c1 = load8(row, c).mul(FloatVector.fromArray(Fp.F256, y, c)).add(c1);
            c2 = load8(row, c + 8).mul(FloatVector.fromArray(Fp.F256, y, c + 8)).add(c2);
            c3 = load8(row, c + 16).mul(FloatVector.fromArray(Fp.F256, y, c + 16)).add(c3);
            c4 = load8(row, c + 24).mul(FloatVector.fromArray(Fp.F256, y, c + 24)).add(c4);
        }
        double sum = Fp.hsum8(c1.add(c3).add(c2.add(c4)));
        for (; c < cols; c++) sum += get(row, c) * y[c];
        return (float) sum;
    }
}
