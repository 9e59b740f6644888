package io.tessera.generate.spec;

import io.tessera.generate.Sampler;
import io.tessera.generate.SamplerConfig;
import io.tessera.model.Model;
import io.tessera.model.Session;

import java.util.SplittableRandom;

/**
 * Drafts k chains with one draft model (mode {@code multi-draft}): their first tokens are k independent draws
 * from the draft's distribution, among which the target selects with a {@link DraftTree.Selection} rule
 * (recursive rejection, SpecTr's k-sequential selection, or the two-step importance-sampling scheme); each chain
 * then continues on its own. The k chains advance together, one batched draft pass per token (a tree mask keeps
 * them apart). With greedy settings the first tokens are the draft's k most likely tokens instead. The chains'
 * length adapts like {@link LookupDrafter}'s: two more after a fully accepted chain, the accepted length plus one
 * otherwise.
 */
public final class MultiDrafter implements Drafter {
    private final DraftSession draft;
    private final Sampler sampler;
    private final SplittableRandom random;
    private final boolean greedy;
    private final int k;
    private final int maxLength;
    private int length;
    private final DraftTree.Selection rule;

    public MultiDrafter(Model draft, Session target, SamplerConfig config, int k, int length,
                        DraftTree.Selection rule) {
        if (k < 1 || length < 1) throw new IllegalArgumentException("multi-draft needs k >= 1 and length >= 1");
        this.draft = new DraftSession(draft, target);
        // greedy: the draft's own ranking at temperature 1, its top tokens kept, picks the children
        this.sampler = new Sampler((config.isGreedy() ? config.withTemperature(1f).withTopK(Math.max(k, 8)) : config)
                .withPenalties(1f, 0f, 0f, 0));
        this.random = DraftRandom.of(config.seed());
        this.greedy = config.isGreedy();
        this.k = k;
        this.maxLength = length;
        this.length = Math.max(1, length / 2);
        this.rule = rule;
    }

    @Override
    public DraftTree draft(int[] context, int n) {
        DraftTree tree = new DraftTree();
        int room = Math.min(draft.room(n) / k, length); // k chains of room tokens must fit in the draft's cache
        if (room < 1) return tree;
        float[] q = sampler.distribution(draft.sync(context, n));
        int[] chain = new int[k];
        if (greedy) {
            int[] top = Selection.topK(q, k);
            int kept = 0; // the tokens with probability > 0 (the top-k filter may leave fewer than k)
            while (kept < k && top[kept] >= 0 && q[top[kept]] > 0) chain[kept] = tree.add(-1, top[kept++], null);
            if (kept < k) chain = java.util.Arrays.copyOf(chain, kept);
        } else {
            tree.selection(-1, rule);
            for (int i = 0; i < k; i++) chain[i] = tree.add(-1, Selection.sample(q, random), q);
        }
        for (int depth = 1; depth < room; depth++) {
            int[] tokens = new int[chain.length], parents = new int[chain.length];
            for (int i = 0; i < chain.length; i++) {
                tokens[i] = tree.token(chain[i]);
                parents[i] = tree.parent(chain[i]);
            }
            float[][] logits = draft.session.extendTree(tokens, parents); // the draft tree mirrors this one
            for (int i = 0; i < chain.length; i++) {
                float[] qi = sampler.distribution(logits[i]);
                int x = greedy ? Sampler.argmax(qi) : Selection.sample(qi, random);
                chain[i] = tree.add(chain[i], x, greedy ? null : qi);
            }
        }
        draft.session.discardTree();
        return tree;
    }

    @Override
    public void verified(DraftTree tree, int root, float[] rootLogits, float[][] nodeLogits, int accepted) {
        if (tree.size() > 0) length = LookupDrafter.nextLength(length, accepted, maxLength);
    }

    @Override
    public void close() {
        draft.close();
    }
}
