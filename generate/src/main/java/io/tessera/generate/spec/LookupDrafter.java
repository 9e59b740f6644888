package io.tessera.generate.spec;

/**
 * Drafts with no model: finds the latest earlier occurrence of the context's last n tokens (n from
 * {@code maxNgram} down to 1) and proposes the tokens that followed it (prompt lookup / n-gram lookup).
 * Up to {@code branches} different continuations, from different earlier occurrences, are drafted as sibling
 * chains; the proposals are deterministic, so the target's own distribution decides. The chain length adapts:
 * two more after a fully accepted chain, the accepted length plus one otherwise (at most {@code maxLength}).
 */
public final class LookupDrafter implements Drafter {
    private final int maxNgram;
    private final int maxLength;
    private final int branches;
    private int length;

    public LookupDrafter(int maxNgram, int maxLength, int branches) {
        if (maxNgram < 1 || maxLength < 1 || branches < 1) {
            throw new IllegalArgumentException("lookup needs n-gram, length and branches >= 1");
        }
        this.maxNgram = maxNgram;
        this.maxLength = maxLength;
        this.branches = branches;
        this.length = Math.max(1, maxLength / 2);
    }

    @Override
    public void verified(DraftTree tree, int root, float[] rootLogits, float[][] nodeLogits, int accepted) {
        if (tree.size() > 0) length = nextLength(length, accepted, maxLength);
    }

    /** The chain length after one with {@code accepted} of {@code length} tokens accepted (shared with {@link MultiDrafter}). */
    static int nextLength(int length, int accepted, int maxLength) {
        return accepted >= length ? Math.min(maxLength, length + 2) : Math.max(1, accepted + 1);
    }

    @Override
    public DraftTree draft(int[] context, int n) {
        DraftTree tree = new DraftTree();
        for (int g = Math.min(maxNgram, n - 1); g >= 1 && tree.children(-1).length < branches; g--) {
            // latest occurrences first: recent text predicts the next tokens best
            for (int start = n - g - 1; start >= 0 && tree.children(-1).length < branches; start--) {
                if (!matches(context, start, n - g, g)) continue;
                int from = start + g; // the tokens that followed the match
                int first = context[from];
                if (hasChild(tree, -1, first)) continue;
                // the copy may run past the context into the draft itself: a loop of period p drafts further than p tokens
                int[] chain = new int[length];
                for (int j = 0; j < length; j++) chain[j] = from + j < n ? context[from + j] : chain[from + j - n];
                int parent = -1;
                for (int t : chain) parent = tree.add(parent, t, null);
            }
        }
        return tree;
    }

    private static boolean matches(int[] c, int a, int b, int len) {
        for (int i = 0; i < len; i++) if (c[a + i] != c[b + i]) return false;
        return true;
    }

    static boolean hasChild(DraftTree tree, int node, int token) {
        for (int c : tree.children(node)) if (tree.token(c) == token) return true;
        return false;
    }
}
