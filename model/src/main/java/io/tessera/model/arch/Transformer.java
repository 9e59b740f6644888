package io.tessera.model.arch;

import io.tessera.model.Parallel;
import io.tessera.model.tensor.PreparedInput;
import io.tessera.model.tensor.WeightTensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.HashMap;
import java.util.Map;

/**
 * The forward pass of the llama family (llama, qwen2, qwen3) for one token at a time, written to follow
 * llama.cpp's arithmetic: RMSNorm with a double sum, rope angles by repeated multiplication in float,
 * an F16 KV cache with queries rounded to F16, and weights multiplied with activations in the weight
 * type's dot format (see {@link WeightTensor}).
 */
public final class Transformer {
    private final ModelConfig c;
    private final Weights w;

    public Transformer(ModelConfig config, Weights weights) {
        this.c = config;
        this.w = weights;
    }

    public ModelConfig config() {
        return c;
    }

    /** The sub-network made of the layers {@code keep} (ascending), with the same embedding, final norm and output head. */
    public Transformer withLayers(int[] keep) {
        return new Transformer(c.withLayers(keep.length), w.withLayers(keep));
    }

    public Weights weights() {
        return w;
    }

    /** Buffers and KV cache of one sequence. Not thread-safe. */
    public final class State {
        final float[] x = new float[c.dim()];
        final float[] xb = new float[Math.max(c.dim(), c.qDim())];
        final float[] xb2 = new float[c.dim()];
        final float[] q = new float[c.qDim()];
        final float[] k = new float[c.kvDim()];
        final float[] v = new float[c.kvDim()];
        final float[] att = new float[c.qDim()];
        final float[] hb = new float[c.ffnDim()];
        final float[] hb2 = new float[c.ffnDim()];
        public final float[] logits = new float[c.vocabSize()];
        final float[] ropeCos = new float[c.ropeDim() / 2];
        final float[] ropeSin = new float[c.ropeDim() / 2];
        io.tessera.model.gguf.GGMLType[] inputTypes = new io.tessera.model.gguf.GGMLType[8];
        int[] inputCols = new int[8];
        PreparedInput[] inputBuffers = new PreparedInput[8];
        int inputCount;
        final Map<Long, PreparedInput[]> batchInputs = new HashMap<>();
        float[][] bx, bxb, bxb2, bq, bk, bv, batt, bhb, bhb2; // [token][...] for batched prompt processing
        int[] slot, rope, visiblePrefix;  // per batch row: KV slot, rope position, attends to [0, visiblePrefix)
        int[][] visibleExtra;             // ... then to these slots (null for none)
        public final KVCache cache;
        final Parallel parallel;
        final AttentionTask attentionTask = new AttentionTask(this);
        final MatTask matTask = new MatTask();
        final float[][] qRows = new float[1][], attRows = new float[1][];
        final int[] onePrefix = new int[1];
        final int[][] noExtra = new int[1][];

        State(int contextLength, Parallel parallel) {
            this.cache = new KVCache(c.layers(), c.kvDim(), contextLength);
            this.parallel = parallel;
        }

        void ensureBatch(int n) {
            if (bx != null && bx.length >= n) return;
            bx = new float[n][c.dim()];
            bxb = new float[n][Math.max(c.dim(), c.qDim())];
            bxb2 = new float[n][c.dim()];
            bq = new float[n][c.qDim()];
            bk = new float[n][c.kvDim()];
            bv = new float[n][c.kvDim()];
            batt = new float[n][c.qDim()];
            bhb = new float[n][c.ffnDim()];
            bhb2 = new float[n][c.ffnDim()];
            slot = new int[n];
            rope = new int[n];
            visiblePrefix = new int[n];
            visibleExtra = new int[n][];
            batchInputs.clear();
        }

        PreparedInput[] batchInput(WeightTensor t) {
            long key = ((long) t.type().ordinal() << 32) | t.cols();
            PreparedInput[] a = batchInputs.get(key);
            if (a == null) {
                a = new PreparedInput[bx.length];
                for (int i = 0; i < a.length; i++) a[i] = t.newInput();
                batchInputs.put(key, a);
            }
            return a;
        }

        /** The reusable input buffer for t's (type, row length); a linear scan of a few entries, so no boxing per token. */
        PreparedInput input(WeightTensor t) {
            for (int i = 0; i < inputCount; i++) {
                if (inputTypes[i] == t.type() && inputCols[i] == t.cols()) return inputBuffers[i];
            }
            if (inputCount == inputBuffers.length) {
                inputTypes = java.util.Arrays.copyOf(inputTypes, inputCount * 2);
                inputCols = java.util.Arrays.copyOf(inputCols, inputCount * 2);
                inputBuffers = java.util.Arrays.copyOf(inputBuffers, inputCount * 2);
            }
            inputTypes[inputCount] = t.type();
            inputCols[inputCount] = t.cols();
            return inputBuffers[inputCount++] = t.newInput();
        }
    }

    public State newState(int contextLength, Parallel parallel) {
        return new State(contextLength, parallel);
    }

    /** Runs token {@code token} at position {@code pos}; fills {@code s.logits} when {@code logits} is true. */
    public void forward(State s, int token, int pos, boolean logits) {
        s.cache.ensureCapacity(pos + 1);
        w.tokenEmbedding.dequantizeRow(token, s.x, 0);
        ropeAngles(s, pos);
        int dim = c.dim();
        for (int l = 0; l < c.layers(); l++) {
            Weights.Layer L = w.layers[l];
            rmsnorm(s.xb, s.x, L.attnNorm(), dim, c.rmsEps());
            matvec(s, L.wq(), s.xb, s.q);
            matvec(s, L.wk(), s.xb, s.k);
            matvec(s, L.wv(), s.xb, s.v);
            positionQKV(s, L, l, pos, s.q, s.k, s.v);
            attention(s, l, pos, s.q, s.att);
            matvec(s, L.wo(), s.att, s.xb2);
            add(s.x, s.xb2);

            rmsnorm(s.xb, s.x, L.ffnNorm(), dim, c.rmsEps());
            matvec(s, L.wGate(), s.xb, s.hb);
            matvec(s, L.wUp(), s.xb, s.hb2);
            swiglu(s.hb, s.hb2);
            matvec(s, L.wDown(), s.hb, s.xb2);
            add(s.x, s.xb2);
        }
        if (logits) {
            rmsnorm(s.xb, s.x, w.outputNorm, dim, c.rmsEps());
            matvec(s, w.output, s.xb, s.logits);
        }
    }

    /** Tokens per batched prompt pass: enough to reuse each weight block across tokens, small enough for the caches. */
    public static final int BATCH = 32;

    /**
     * Runs {@code n} tokens at positions {@code pos0 ..} as one batch: every weight matrix is read once per
     * batch instead of once per token, with results identical to {@link #forward} token by token.
     * Fills {@code s.logits} for the last token when {@code logits} is true.
     */
    public void forwardBatch(State s, int[] tokens, int from, int n, int pos0, boolean logits) {
        if (n == 1) {
            forward(s, tokens[from], pos0, logits);
            return;
        }
        s.ensureBatch(n);
        for (int t = 0; t < n; t++) {
            s.slot[t] = s.rope[t] = pos0 + t;
            s.visiblePrefix[t] = pos0 + t + 1;
            s.visibleExtra[t] = null;
        }
        forwardRows(s, tokens, from, n);
        System.arraycopy(s.bx[n - 1], 0, s.x, 0, c.dim());
        if (logits) {
            rmsnorm(s.xb, s.x, w.outputNorm, c.dim(), c.rmsEps());
            matvec(s, w.output, s.xb, s.logits);
        }
    }

    /**
     * Runs {@code n} nodes of a token tree as one batch (speculative verification). Node {@code t} is stored in
     * KV slot {@code slots[t]}, rotated for position {@code ropePositions[t]}, and attends to the positions
     * {@code [0, prefix)} followed by the slots {@code ancestors[t]} (ascending, ending with its own slot).
     * For a node whose ancestors fill the slots right after the prefix this is {@link #forward} at that
     * position, bit for bit. Writes every node's next-token logits to {@code logits[t]}.
     */
    public void forwardTree(State s, int[] tokens, int from, int n, int[] slots, int[] ropePositions, int prefix,
                            int[][] ancestors, float[][] logits) {
        s.ensureBatch(n);
        for (int t = 0; t < n; t++) {
            s.slot[t] = slots[t];
            s.rope[t] = ropePositions[t];
            s.visiblePrefix[t] = prefix;
            s.visibleExtra[t] = ancestors[t];
        }
        forwardRows(s, tokens, from, n);
        for (int t = 0; t < n; t++) rmsnorm(s.bxb[t], s.bx[t], w.outputNorm, c.dim(), c.rmsEps());
        matmul(s, w.output, s.bxb, n, logits);
    }

    /** The layers for the batch rows laid out in s.slot / s.rope / s.visible*: leaves each row's last hidden state in s.bx. */
    private void forwardRows(State s, int[] tokens, int from, int n) {
        int maxSlot = 0;
        for (int t = 0; t < n; t++) maxSlot = Math.max(maxSlot, s.slot[t]);
        s.cache.ensureCapacity(maxSlot + 1);
        int dim = c.dim();
        for (int t = 0; t < n; t++) w.tokenEmbedding.dequantizeRow(tokens[from + t], s.bx[t], 0);
        for (int l = 0; l < c.layers(); l++) {
            Weights.Layer L = w.layers[l];
            for (int t = 0; t < n; t++) rmsnorm(s.bxb[t], s.bx[t], L.attnNorm(), dim, c.rmsEps());
            matmul(s, L.wq(), s.bxb, n, s.bq);
            matmul(s, L.wk(), s.bxb, n, s.bk);
            matmul(s, L.wv(), s.bxb, n, s.bv);
            for (int t = 0; t < n; t++) {
                ropeAngles(s, s.rope[t]);
                positionQKV(s, L, l, s.slot[t], s.bq[t], s.bk[t], s.bv[t]);
            }
            AttentionTask a = s.attentionTask;
            a.layer = l;
            a.tokens = n;
            a.prefix = s.visiblePrefix;
            a.extra = s.visibleExtra;
            a.q = s.bq;
            a.out = s.batt;
            runAttention(s, c.heads() * n, maxSlot + 1);
            matmul(s, L.wo(), s.batt, n, s.bxb2);
            for (int t = 0; t < n; t++) add(s.bx[t], s.bxb2[t]);

            for (int t = 0; t < n; t++) rmsnorm(s.bxb[t], s.bx[t], L.ffnNorm(), dim, c.rmsEps());
            matmul(s, L.wGate(), s.bxb, n, s.bhb);
            matmul(s, L.wUp(), s.bxb, n, s.bhb2);
            for (int t = 0; t < n; t++) swiglu(s.bhb[t], s.bhb2[t]);
            matmul(s, L.wDown(), s.bhb, n, s.bxb2);
            for (int t = 0; t < n; t++) add(s.bx[t], s.bxb2[t]);
        }
    }

    /**
     * One token's q, k, v after their projections: biases, per-head q/k norms, rope (angles already set for
     * {@code pos} by {@link #ropeAngles}), then k and v into the cache.
     */
    private void positionQKV(State s, Weights.Layer L, int layer, int pos, float[] q, float[] k, float[] v) {
        if (L.bq() != null) {
            add(q, L.bq());
            add(k, L.bk());
            add(v, L.bv());
        }
        if (L.qNorm() != null) {
            for (int h = 0; h < c.heads(); h++) rmsnormInPlace(q, h * c.headDim(), L.qNorm(), c.headDim(), c.rmsEps());
            for (int h = 0; h < c.kvHeads(); h++) rmsnormInPlace(k, h * c.headDim(), L.kNorm(), c.headDim(), c.rmsEps());
        }
        for (int h = 0; h < c.heads(); h++) rope(s, q, h * c.headDim());
        for (int h = 0; h < c.kvHeads(); h++) rope(s, k, h * c.headDim());
        s.cache.store(layer, pos, k, v);
    }

    /** hb = silu(hb) * hb2, the SwiGLU gate. */
    private void swiglu(float[] hb, float[] hb2) {
        for (int i = 0; i < c.ffnDim(); i++) {
            float g = hb[i];
            hb[i] = g / (1.0f + (float) Math.exp(-g)) * hb2[i];
        }
    }

    private void matmul(State s, WeightTensor t, float[][] xs, int n, float[][] out) {
        PreparedInput[] in = s.batchInput(t);
        for (int i = 0; i < n; i++) t.prepare(xs[i], 0, in[i]);
        MatTask m = s.matTask;
        m.set(t, null, null, in, n, out);
        if ((long) t.rows() * t.cols() * n < PARALLEL_MIN_WEIGHTS / 4) m.run(0, t.rows());
        else s.parallel.forRange(t.rows(), m);
    }

    private void matvec(State s, WeightTensor t, float[] x, float[] out) {
        PreparedInput in = t.prepare(x, 0, s.input(t));
        MatTask m = s.matTask;
        m.set(t, in, out, null, 0, null);
        if ((long) t.rows() * t.cols() < PARALLEL_MIN_WEIGHTS) m.run(0, t.rows());
        else s.parallel.forRange(t.rows(), m);
    }

    /** Below this many weights a product runs on the calling thread: waking the pool costs more than it saves. */
    static final long PARALLEL_MIN_WEIGHTS = 1L << 20;

    /** The rows [from, to) of a matvec or matmul; one reused instance per state, so that a token allocates nothing. */
    static final class MatTask implements Parallel.RangeTask {
        private WeightTensor t;
        private PreparedInput in;
        private float[] out;
        private PreparedInput[] ins;
        private int n;
        private float[][] outs;

        void set(WeightTensor t, PreparedInput in, float[] out, PreparedInput[] ins, int n, float[][] outs) {
            this.t = t;
            this.in = in;
            this.out = out;
            this.ins = ins;
            this.n = n;
            this.outs = outs;
        }

        @Override
        public void run(int from, int to) {
            if (ins == null) t.matvec(in, out, 0, from, to);
            else t.matmul(ins, n, outs, from, to);
        }
    }

    /**
     * Attention as llama.cpp's CPU flash-attention kernel computes it with an F16 cache: the query rounded
     * to F16, one pass over the cache with an online softmax, and the weighted sum of values accumulated
     * in F16 (each update rounded), divided by the softmax denominator at the end. Matching this, rather
     * than a textbook two-pass softmax, is what brings the logits to llama.cpp's last digits.
     * Heads run in parallel.
     */
    private void attention(State s, int layer, int pos, float[] q, float[] att) {
        AttentionTask a = s.attentionTask;
        a.layer = layer;
        a.tokens = 1;
        s.onePrefix[0] = pos + 1;
        a.prefix = s.onePrefix;
        a.extra = s.noExtra;
        a.q = s.qRows;
        a.out = s.attRows;
        s.qRows[0] = q;
        s.attRows[0] = att;
        runAttention(s, c.heads(), pos + 1);
    }

    /** Runs the attention task over {@code units} (head, row) pairs, on the pool only when the positions make it worth waking. */
    private void runAttention(State s, int units, int positions) {
        if ((long) units * positions * c.headDim() < PARALLEL_MIN_WEIGHTS / 4) s.attentionTask.run(0, units);
        else s.parallel.forRange(units, s.attentionTask);
    }

    /** Attention of {@code tokens} batch rows (see State.visiblePrefix), every (head, row) pair a unit of parallel work. */
    final class AttentionTask implements Parallel.RangeTask {
        private final State s;
        int layer, tokens;
        int[] prefix;
        int[][] extra;
        float[][] q, out;

        AttentionTask(State s) {
            this.s = s;
        }

        @Override
        public void run(int from, int to) {
            AttentionScratch scratch = AttentionScratch.get(c.headDim(), s.cache.capacity());
            for (int u = from; u < to; u++) {
                int h = u / tokens, t = u % tokens; // head-major: each thread gets whole heads, short and long contexts alike
                attendHead(s.cache, layer, prefix[t], extra[t], h, q[t], out[t], scratch);
            }
        }
    }

    /** Per-thread buffers of the attention: the F16-rounded query, one key tile as floats, the scores. */
    static final class AttentionScratch {
        private static final ThreadLocal<AttentionScratch> LOCAL = new ThreadLocal<>();
        float[] q16 = new float[0], keys = new float[0], scores = new float[0];

        static AttentionScratch get(int headDim, int positions) {
            AttentionScratch a = LOCAL.get();
            if (a == null) LOCAL.set(a = new AttentionScratch());
            if (a.q16.length < headDim) {
                a.q16 = new float[headDim];
                a.keys = new float[headDim * KVCache.TILE];
            }
            if (a.scores.length < positions) a.scores = new float[positions];
            return a;
        }
    }

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    /**
     * One head of {@link #attention} over the positions [0, prefix) then the slots {@code extra} (ascending; may be
     * null): writes {@code att[h * headDim ..)}.
     */
    private void attendHead(KVCache cache, int layer, int prefix, int[] extra, int h, float[] q, float[] att, AttentionScratch a) {
        int headDim = c.headDim();
        int kvDim = c.kvDim();
        int group = c.heads() / c.kvHeads();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        short[] keys = cache.keys(layer);
        short[] values = cache.values(layer);
        int n = extra == null || extra.length == 0 ? prefix : extra[extra.length - 1] + 1; // scores needed up to here
        int qo = h * headDim;
        int ko = (h / group) * headDim;
        float[] q16 = a.q16, kf = a.keys, scores = a.scores;
        for (int i = 0; i < headDim; i++) q16[i] = f16(q[qo + i]);

        // scores of a tile of 16 positions at once, one lane per position, each dot summed in order i = 0, 1, ...
        for (int t0 = 0; t0 < n; t0 += KVCache.TILE) {
            int tile = cache.keyTile(t0) + ko * KVCache.TILE;
            for (int j = 0; j < headDim * KVCache.TILE; j++) kf[j] = Float.float16ToFloat(keys[tile + j]);
            FloatVector dot0 = FloatVector.zero(F8), dot1 = dot0;
            for (int i = 0; i < headDim; i++) {
                FloatVector qi = FloatVector.broadcast(F8, q16[i]);
                dot0 = dot0.add(qi.mul(FloatVector.fromArray(F8, kf, i * KVCache.TILE)));
                dot1 = dot1.add(qi.mul(FloatVector.fromArray(F8, kf, i * KVCache.TILE + 8)));
            }
            dot0.mul(scale).intoArray(scores, t0);
            dot1.mul(scale).intoArray(scores, t0 + 8);
        }

        float[] acc = att; // accumulates in att[qo .. qo + headDim), every value an F16 number
        for (int i = 0; i < headDim; i++) acc[qo + i] = 0f;
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        int visible = prefix + (extra == null ? 0 : extra.length);
        for (int u = 0; u < visible; u++) {
            int t = u < prefix ? u : extra[u - prefix];
            int base = t * kvDim + ko;
            float score = scores[t];
            float ms = 1f, vs = 1f;
            if (score > max) {
                float old = max;
                max = score;
                ms = (float) Math.exp(old - max);
                for (int i = 0; i < headDim; i++) acc[qo + i] = f16(acc[qo + i] * ms);
            } else {
                vs = (float) Math.exp(score - max);
            }
            for (int i = 0; i < headDim; i++) acc[qo + i] = f16(acc[qo + i] + Float.float16ToFloat(values[base + i]) * vs);
            sum = sum * ms + vs;
        }
        float inv = 1f / sum;
        for (int i = 0; i < headDim; i++) acc[qo + i] *= inv;
    }

    private static float f16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    private void ropeAngles(State s, int pos) {
        int half = c.ropeDim() / 2;
        float thetaScale = (float) Math.pow(c.ropeTheta(), -2.0 / c.ropeDim());
        float theta = pos;
        for (int i = 0; i < half; i++) {
            float ff = w.ropeFreqs != null ? w.ropeFreqs[i] : 1f;
            float angle = c.ropeFreqScale() * (theta / ff);
            s.ropeCos[i] = (float) Math.cos(angle);
            s.ropeSin[i] = (float) Math.sin(angle);
            theta *= thetaScale;
        }
    }

    private void rope(State s, float[] vec, int off) {
        int half = c.ropeDim() / 2;
        if (c.architecture().rope == Architecture.RopeStyle.NORMAL) {
            for (int i = 0; i < half; i++) {
                float x0 = vec[off + 2 * i], x1 = vec[off + 2 * i + 1];
                vec[off + 2 * i] = x0 * s.ropeCos[i] - x1 * s.ropeSin[i];
                vec[off + 2 * i + 1] = x0 * s.ropeSin[i] + x1 * s.ropeCos[i];
            }
        } else {
            for (int i = 0; i < half; i++) {
                float x0 = vec[off + i], x1 = vec[off + i + half];
                vec[off + i] = x0 * s.ropeCos[i] - x1 * s.ropeSin[i];
                vec[off + i + half] = x0 * s.ropeSin[i] + x1 * s.ropeCos[i];
            }
        }
    }

    static void rmsnorm(float[] out, float[] x, float[] weight, int n, float eps) {
        rmsnorm(out, 0, x, 0, weight, n, eps);
    }

    static void rmsnormInPlace(float[] x, int off, float[] weight, int n, float eps) {
        rmsnorm(x, off, x, off, weight, n, eps);
    }

    /** ggml's RMSNorm: the sum of squares in double, then the weight multiplied in a separate step. */
    private static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (double) (x[xOff + i] * x[xOff + i]);
        float mean = (float) (sum / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        for (int i = 0; i < n; i++) out[outOff + i] = (x[xOff + i] * scale) * weight[i];
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < y.length && i < x.length; i++) x[i] += y[i];
    }
}
