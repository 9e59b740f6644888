package io.tessera.generate.spec;

import io.tessera.generate.Sampler;
import io.tessera.generate.SamplerConfig;
import io.tessera.model.Session;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Speculative decoding: each {@link #step} asks the {@link Drafter} for a tree of drafted tokens, runs the last
 * token and the whole tree through the target in one batched pass (a tree attention mask), and keeps the
 * longest drafted path the target accepts plus one token of its own. Acceptance follows the rejection rule of
 * Leviathan et al. / Chen et al. (recursive over siblings), so the tokens are distributed exactly as plain
 * sampling from the target with the same {@link SamplerConfig}; with a greedy configuration they are the plain
 * greedy tokens, token for token.
 *
 * <pre>{@code
 * try (Session target = model.newSession(); Drafter drafter = new LookupDrafter(3, 8, 1);
 *     SpeculativeDecoder decoder = new SpeculativeDecoder(target, drafter, SamplerConfig.greedy());
 *     decoder.start(prompt);
 *     int[] tokens = decoder.step(); // one or more tokens
 * }
 * }</pre>
 */
public final class SpeculativeDecoder {
    private final Session target;
    private final Drafter drafter;
    private final Sampler sampler;
    private final SplittableRandom random;
    private int[] history = new int[64];
    private int length;
    private long steps, drafted, accepted, emitted;

    public SpeculativeDecoder(Session target, Drafter drafter, SamplerConfig config) {
        this.target = target;
        this.drafter = drafter;
        this.sampler = new Sampler(config);
        this.random = new SplittableRandom(config.seed());
    }

    /** Runs all but the last prompt token through the target; the last one goes with the first draft. */
    public void start(int[] prompt) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        if (target.position() != 0) throw new IllegalStateException("the target session must be empty");
        if (prompt.length > 1) target.prefill(Arrays.copyOf(prompt, prompt.length - 1));
        length = 0;
        for (int t : prompt) append(t);
    }

    /** Whether another step fits in the target's context. */
    public boolean hasRoom() {
        return target.position() + 1 <= target.contextLength();
    }

    /** One draft-and-verify round; returns the new tokens (at least one). */
    public int[] step() {
        if (length == 0) throw new IllegalStateException("start() first");
        DraftTree tree = drafter.draft(history, length);
        int room = target.contextLength() - target.position() - 1;
        if (room < 0) throw new io.tessera.TesseraException("context full: " + target.contextLength() + " tokens (raise --ctx)");
        int n = Math.min(tree.size(), room); // nodes come parent first, so a prefix of them is a tree
        int[] tokens = new int[n + 1], parents = new int[n + 1];
        tokens[0] = history[length - 1];
        parents[0] = -1;
        for (int i = 0; i < n; i++) {
            tokens[i + 1] = tree.token(i);
            parents[i + 1] = tree.parent(i) + 1;
        }
        float[][] logits = target.extendTree(tokens, parents);

        int[] out = new int[n + 1];
        int[] path = new int[n + 1]; // session nodes to keep: the pending token, then the accepted drafts
        int kept = 0, cur = -1;
        int base = length;
        float[] p = sampler.distribution(logits[0], history, length);
        int token;
        while (true) {
            int[] children = children(tree, cur, n);
            if (children.length == 0) {
                token = Selection.sample(p, random);
                break;
            }
            int[] childTokens = new int[children.length];
            float[][] proposals = new float[children.length][];
            for (int i = 0; i < children.length; i++) {
                childTokens[i] = tree.token(children[i]);
                proposals[i] = tree.proposal(children[i]);
            }
            int chosen = Selection.select(tree.selection(cur), p, childTokens, proposals, random);
            if (chosen < 0) {
                token = Selection.sample(p, random);
                break;
            }
            cur = children[chosen];
            out[kept] = tree.token(cur);
            path[++kept] = cur + 1;
            append(tree.token(cur));
            p = sampler.distribution(logits[cur + 1], history, length);
        }
        target.commitPath(Arrays.copyOf(path, kept + 1));
        out[kept] = token;
        append(token);
        steps++;
        drafted += n;
        accepted += kept;
        emitted += kept + 1;
        drafter.verified(tree, tokens[0], logits[0], Arrays.copyOfRange(logits, 1, n + 1), kept);
        assert length == base + kept + 1;
        return Arrays.copyOf(out, kept + 1);
    }

    public SpecStats stats() {
        return new SpecStats(steps, drafted, accepted, emitted);
    }

    private static int[] children(DraftTree tree, int node, int limit) {
        int[] c = tree.children(node);
        int k = 0;
        while (k < c.length && c[k] < limit) k++;
        return k == c.length ? c : Arrays.copyOf(c, k);
    }

    private void append(int token) {
        if (length == history.length) history = Arrays.copyOf(history, length * 2);
        history[length++] = token;
    }
}
