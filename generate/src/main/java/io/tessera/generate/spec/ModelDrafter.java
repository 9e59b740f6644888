package io.tessera.generate.spec;

import io.tessera.generate.Sampler;
import io.tessera.generate.SamplerConfig;
import io.tessera.model.Model;
import io.tessera.model.Session;

import java.util.SplittableRandom;

/**
 * Drafts a chain of tokens with a smaller model (mode {@code draft}) or with a cut-down copy of the target
 * (mode {@code self}: {@link Model#withLayers}). The draft length adapts to the running acceptance: two more
 * after a fully accepted draft, one fewer otherwise; drafting also stops early when the draft's probability of
 * its most likely token falls below a threshold (Kangaroo's early exit of the drafting phase).
 */
public final class ModelDrafter implements Drafter {
    private final DraftSession draft;
    private final Sampler sampler;
    private final SplittableRandom random;
    private final boolean greedy;
    private final int maxLength;
    private final double stopBelow;
    private int length;

    /**
     * @param draft     the draft model (same vocabulary as the target)
     * @param config    the target's sampling settings: drafts are drawn with the same filters and temperature
     * @param maxLength most tokens drafted per step; the adaptive length starts at half of it
     * @param stopBelow stop drafting when the draft's most likely next token has less than this probability (0: never)
     */
    public ModelDrafter(Model draft, Session target, SamplerConfig config, int maxLength, double stopBelow) {
        if (maxLength < 1) throw new IllegalArgumentException("draft length must be >= 1, got " + maxLength);
        this.draft = new DraftSession(draft, target);
        this.sampler = new Sampler(config.withPenalties(1f, 0f, 0f, 0));
        this.random = DraftRandom.of(config.seed());
        this.greedy = config.isGreedy();
        this.maxLength = maxLength;
        this.stopBelow = stopBelow;
        this.length = Math.max(1, maxLength / 2);
    }

    @Override
    public DraftTree draft(int[] context, int n) {
        DraftTree tree = new DraftTree();
        int room = draft.room(n);
        if (room < 1) return tree;
        float[] logits = draft.sync(context, n);
        int parent = -1;
        for (int i = 0; i < Math.min(length, room); i++) {
            float[] q = greedy ? null : sampler.distribution(logits);
            // decided before drawing, so that a drafted token is still a plain draw from q
            double confidence = greedy ? Selection.softmaxTop(logits) : q[Sampler.argmax(q)];
            if (i > 0 && confidence < stopBelow) break;
            int x = greedy ? Sampler.argmax(logits) : Selection.sample(q, random);
            parent = tree.add(parent, x, q);
            if (i + 1 < Math.min(length, room)) logits = draft.decode(x);
        }
        return tree;
    }

    @Override
    public void verified(DraftTree tree, int root, float[] rootLogits, float[][] nodeLogits, int accepted) {
        if (tree.size() == 0) return;
        length = accepted == tree.size() ? Math.min(maxLength, length + 2) : Math.max(1, length - 1);
    }

    @Override
    public void close() {
        draft.close();
    }
}
