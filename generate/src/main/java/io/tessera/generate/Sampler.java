package io.tessera.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: penalties, then top-k, top-p, min-p, temperature and a draw from the
 * seeded random generator (llama.cpp's order). The same seed and logits give the same tokens.
 * Not thread-safe: one sampler per sequence.
 */
public final class Sampler {
    private final SamplerConfig config;
    private final SplittableRandom random;
    private int[] candidates = new int[0];
    private float[] probs = new float[0];

    public Sampler(SamplerConfig config) {
        this.config = config.validate();
        this.random = new SplittableRandom(config.seed());
    }

    public SamplerConfig config() {
        return config;
    }

    /** Index of the highest logit; the lowest index wins ties. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /**
     * Samples a token. {@code logits} is modified in place by the penalties.
     *
     * @param history the tokens so far (prompt and generated), of which the first {@code historyLength} count
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        applyPenalties(logits, history, historyLength);
        if (config.isGreedy()) return argmax(logits);
        return sampleFiltered(logits);
    }

    /** The probability distribution that {@link #sample} draws from (after filters and temperature), over the whole vocabulary. */
    public float[] distribution(float[] logits) {
        float[] full = new float[logits.length];
        if (config.isGreedy()) {
            full[argmax(logits)] = 1f;
            return full;
        }
        int n = filter(logits);
        for (int i = 0; i < n; i++) full[candidates[i]] = probs[i];
        return full;
    }

    /**
     * The distribution {@link #sample} would draw from after {@code history[0, historyLength)}: the penalties
     * applied to a copy of {@code logits}, then the filters and temperature (greedy: all mass on the argmax).
     */
    public float[] distribution(float[] logits, int[] history, int historyLength) {
        float[] l = logits.clone();
        applyPenalties(l, history, historyLength);
        return distribution(l);
    }

    private void applyPenalties(float[] logits, int[] history, int historyLength) {
        boolean none = config.repeatPenalty() == 1f && config.presencePenalty() == 0f && config.frequencyPenalty() == 0f;
        if (none || config.penaltyLastN() == 0 || historyLength == 0) return;
        int from = config.penaltyLastN() < 0 ? 0 : Math.max(0, historyLength - config.penaltyLastN());
        int[] window = Arrays.copyOfRange(history, from, historyLength);
        Arrays.sort(window);
        for (int i = 0; i < window.length; ) {
            int token = window[i];
            int count = 0;
            while (i < window.length && window[i] == token) { count++; i++; }
            if (token < 0 || token >= logits.length) continue;
            float l = logits[token];
            l = l <= 0 ? l * config.repeatPenalty() : l / config.repeatPenalty();
            l -= count * config.frequencyPenalty() + config.presencePenalty();
            logits[token] = l;
        }
    }

    private int sampleFiltered(float[] logits) {
        int n = filter(logits);
        double r = random.nextDouble();
        double cum = 0;
        for (int i = 0; i < n; i++) {
            cum += probs[i];
            if (r < cum) return candidates[i];
        }
        return candidates[n - 1];
    }

    /** Leaves the kept tokens, by descending logit, in candidates/probs[0..n) with normalised probabilities. */
    private int filter(float[] logits) {
        int v = logits.length;
        if (candidates.length < v) {
            candidates = new int[v];
            probs = new float[v];
        }
        int k = config.topK() > 0 ? Math.min(config.topK(), v) : v;
        int n = topIndices(logits, k);
        // softmax over the (sorted) kept candidates at temperature 1, for top-p and min-p
        float max = logits[candidates[0]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(logits[candidates[i]] - max);
            probs[i] = (float) e;
            sum += e;
        }
        if (config.topP() < 1f) {
            double cum = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                cum += probs[i] / sum;
                if (cum >= config.topP()) { keep = i + 1; break; }
            }
            n = keep;
        }
        if (config.minP() > 0f) {
            float threshold = logits[candidates[0]] + (float) Math.log(config.minP());
            int keep = 1;
            while (keep < n && logits[candidates[keep]] >= threshold) keep++;
            n = keep;
        }
        float t = config.temperature();
        double z = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp((logits[candidates[i]] - max) / t);
            probs[i] = (float) e;
            z += e;
        }
        for (int i = 0; i < n; i++) probs[i] = (float) (probs[i] / z);
        return n;
    }

    /** Writes the indices of the k largest logits, sorted descending (ties: lower index first), to candidates. */
    private int topIndices(float[] logits, int k) {
        int v = logits.length;
        if (k == v) {
            Integer[] idx = new Integer[v];
            for (int i = 0; i < v; i++) idx[i] = i;
            Arrays.sort(idx, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
            for (int i = 0; i < v; i++) candidates[i] = idx[i];
            return v;
        }
        // min-heap of size k keyed by (logit, -index)
        int[] heap = new int[k];
        int size = 0;
        for (int i = 0; i < v; i++) {
            if (size < k) {
                heap[size] = i;
                siftUp(heap, size++, logits);
            } else if (better(i, heap[0], logits)) {
                heap[0] = i;
                siftDown(heap, size, logits);
            }
        }
        for (int i = size - 1; i >= 0; i--) {
            candidates[i] = heap[0];
            heap[0] = heap[i];
            siftDown(heap, i, logits);
        }
        return size;
    }

    private static boolean better(int a, int b, float[] l) {
        return l[a] > l[b] || (l[a] == l[b] && a < b);
    }

    private static void siftUp(int[] h, int i, float[] l) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (better(h[p], h[i], l)) { int t = h[p]; h[p] = h[i]; h[i] = t; i = p; } else break;
        }
    }

    private static void siftDown(int[] h, int size, float[] l) {
        int i = 0;
        while (true) {
            int a = 2 * i + 1, b = a + 1, m = i;
            if (a < size && better(h[m], h[a], l)) m = a;
            if (b < size && better(h[m], h[b], l)) m = b;
            if (m == i) return;
            int t = h[m]; h[m] = h[i]; h[i] = t; i = m;
        }
    }
}
