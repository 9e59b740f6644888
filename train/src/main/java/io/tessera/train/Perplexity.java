package io.tessera.train;

import io.tessera.TesseraException;
import io.tessera.model.Model;
import io.tessera.model.Session;

/**
 * Perplexity of a model on a text, with the inference engine (any model Tessera loads). The text is tokenized
 * with the model's own tokenizer (its BOS when it asks for one); the tokens are scored in windows of
 * {@code window} tokens that overlap by one: each window starts with an empty cache, its first token is
 * context only, and every following token is predicted from the window's tokens before it. So each token
 * but the first is scored exactly once, from at most window - 1 tokens of context.
 */
public final class Perplexity {
    private Perplexity() {}

    /** tokens: number of scored tokens; nats: their summed negative log-likelihood. */
    public record Result(long tokens, double nats) {
        public double natsPerToken() {
            return tokens == 0 ? Double.NaN : nats / tokens;
        }

        public double perplexity() {
            return Math.exp(natsPerToken());
        }
    }

    private static final int CHUNK = 64;

    public static Result of(Model model, String text, int window, int threads) {
        int[] ids = model.tokenizer().encode(text, true, false);
        return of(model, ids, window, threads);
    }

    public static Result of(Model model, int[] ids, int window, int threads) {
        if (window < 2) throw new TesseraException("perplexity: the window must hold at least 2 tokens, got " + window);
        if (ids.length < 2) throw new TesseraException("perplexity: the text has " + ids.length + " token(s); at least 2 are needed");
        double nats = 0;
        long scored = 0;
        try (Session s = model.newSession(window, threads)) {
            for (int start = 0; start + 1 < ids.length; start += window - 1) {
                int end = Math.min(ids.length, start + window);
                s.rewind(0);
                // runs of tokens as one-branch trees: batched passes, each token's logits bit for bit those of decode
                for (int i = start; i + 1 < end; ) {
                    int n = Math.min(CHUNK, end - 1 - i);
                    int[] path = new int[n], parents = new int[n];
                    for (int j = 0; j < n; j++) {
                        path[j] = j;
                        parents[j] = j - 1;
                    }
                    float[][] logits = s.extendTree(java.util.Arrays.copyOfRange(ids, i, i + n), parents);
                    for (int j = 0; j < n; j++) nats += logSumExp(logits[j]) - logits[j][ids[i + j + 1]];
                    s.commitPath(path);
                    scored += n;
                    i += n;
                }
            }
        }
        return new Result(scored, nats);
    }

    private static double logSumExp(float[] x) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        double sum = 0;
        for (float v : x) sum += Math.exp(v - max);
        return max + Math.log(sum);
    }
}
