package io.tessera.generate.spec;

import io.tessera.generate.Sampler;
import io.tessera.generate.SamplerConfig;
import io.tessera.model.Model;
import io.tessera.model.Session;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * DySpec's dynamic token tree (mode {@code tree}): the tree grows greedily where the draft is confident. Every
 * possible next node is valued by the draft's probability of its whole path (its parent's value times the
 * draft's probability of the token), and the most valuable ones are added until the node budget is spent; the
 * draft runs on each round of new nodes in one batched pass. A node's children are drawn from the draft's
 * distribution without replacement (with greedy settings: its most likely tokens in order), so the target can
 * verify them one after another by recursive rejection.
 *
 * <p>When sampling, a child is drawn only once it has been chosen for the tree, and it competes for the budget
 * with the value it is expected to have (its parent's value times sum_x r(x) q(x), r the distribution it will be
 * drawn from), not with the value of the token it turns out to hold. Recursive rejection is exact only if
 * whether a node gets another child is decided before that child is drawn: keeping a drawn child only when its
 * token is likely under the draft would make the children that reach the target a biased sample of r (too
 * often the draft's favourites), and the output would no longer be distributed as the target's. Greedy
 * drafting draws nothing at random, so there the realised value is used.
 */
public final class TreeDrafter implements Drafter {
    private final DraftSession draft;
    private final Sampler sampler;
    private final SplittableRandom random;
    private final boolean greedy;
    private final int budget;
    private final int maxChildren;
    private final int round;
    private final double minValue;

    /**
     * @param budget      drafted nodes per step
     * @param maxChildren most children of one node
     * @param round       nodes added between two draft passes
     * @param minValue    smallest draft probability of reaching a node for it to be drafted (0: fill the budget)
     */
    public TreeDrafter(Model draft, Session target, SamplerConfig config, int budget, int maxChildren, int round, double minValue) {
        if (budget < 1 || maxChildren < 1 || round < 1) throw new IllegalArgumentException("tree needs budget, children and round >= 1");
        this.draft = new DraftSession(draft, target);
        // greedy: the draft's own ranking at temperature 1, its top tokens kept, picks the children
        this.sampler = new Sampler((config.isGreedy() ? config.withTemperature(1f).withTopK(Math.max(maxChildren, 8)) : config)
                .withPenalties(1f, 0f, 0f, 0));
        this.random = DraftRandom.of(config.seed());
        this.greedy = config.isGreedy();
        this.budget = budget;
        this.maxChildren = maxChildren;
        this.round = round;
        this.minValue = minValue;
    }

    /** A node's remaining choices: the draft's distribution with the children already drawn removed. */
    private static final class Expansion {
        final int node;          // -1: the root
        final double value;      // the draft's probability of the path to this node
        final float[] q;         // the draft distribution here
        float[] remaining;       // q without the children drawn so far (renormalised), for sampling
        int children;

        Expansion(int node, double value, float[] q) {
            this.node = node;
            this.value = value;
            this.q = q;
            this.remaining = q;
        }
    }

    /** A child of {@code parent} not yet drawn: its value does not depend on the token it will hold. */
    private record Slot(Expansion parent, double value) {}

    @Override
    public DraftTree draft(int[] context, int n) {
        DraftTree tree = new DraftTree();
        int limit = Math.min(budget, draft.room(n));
        if (limit < 1) return tree;
        PriorityQueue<Slot> queue = new PriorityQueue<>((a, b) -> Double.compare(b.value, a.value));
        offer(queue, new Expansion(-1, 1.0, sampler.distribution(draft.sync(context, n))));
        while (tree.size() < limit && !queue.isEmpty()) {
            List<Integer> added = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            // DySpec's threshold: a node the draft gives less than minValue probability of being reached is not worth
            // its place in the target's pass (slot values are known before drawing, so this keeps exactness)
            while (added.size() < round && tree.size() < limit && !queue.isEmpty() && queue.peek().value >= minValue) {
                Expansion e = queue.poll().parent;
                float[] proposal = e.remaining;
                int x = greedy ? Sampler.argmax(proposal) : Selection.sample(proposal, random);
                added.add(tree.add(e.node, x, greedy ? null : proposal));
                values.add(e.value * e.q[x]);
                float[] next = proposal.clone(); // the next child is drawn without replacement
                next[x] = 0f;
                Selection.normalize(next);
                e.remaining = next;
                e.children++;
                offer(queue, e);
            }
            if (tree.size() >= limit || added.isEmpty()) break;
            int[] tokens = new int[added.size()], parents = new int[added.size()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = tree.token(added.get(i));
                parents[i] = tree.parent(added.get(i));
            }
            // the draft session's tree receives the nodes in the same order, so node numbers agree
            checkInStep(added.get(0));
            float[][] logits = draft.session.extendTree(tokens, parents);
            for (int i = 0; i < tokens.length; i++) {
                offer(queue, new Expansion(added.get(i), values.get(i), sampler.distribution(logits[i])));
            }
        }
        draft.session.discardTree();
        return tree;
    }

    /** The draft session's tree must hold every node before {@code first}; they all have been run (rounds run in order). */
    private void checkInStep(int first) {
        if (draft.session.treeSize() != first) {
            throw new IllegalStateException("draft tree out of step: " + draft.session.treeSize() + " vs " + first);
        }
    }

    /**
     * Queues e's next child, if it may have one, valued before it is drawn: greedy, by the token it will be (its
     * choice is deterministic); sampling, by the expected value e.value * sum_x remaining(x) q(x).
     */
    private void offer(PriorityQueue<Slot> queue, Expansion e) {
        if (e.children >= maxChildren) return;
        double share;
        if (greedy) {
            int x = Sampler.argmax(e.remaining);
            share = e.remaining[x] > 0 ? e.q[x] : 0;
        } else {
            share = 0;
            for (int x = 0; x < e.q.length; x++) share += (double) e.remaining[x] * e.q[x];
        }
        if (share <= 0) return; // nothing left to draw
        queue.add(new Slot(e, e.value * share));
    }

    @Override
    public void close() {
        draft.close();
    }
}
