package io.tessera.generate.spec;

/**
 * Drafts with no model: finds the latest earlier occurrence of the context's last n tokens (n from
 * {@code maxNgram} down to 1) and proposes the tokens that followed it (prompt lookup / n-gram lookup).
 * Up to {@code branches} different continuations, from different earlier occurrences, are drafted as sibling
 * chains; the proposals are deterministic, so the target's own distribution decides.
 */
public final class LookupDrafter implements Drafter {
    private final int maxNgram;
    private final int maxLength;
    private final int branches;

    public LookupDrafter(int maxNgram, int maxLength, int branches) {
        if (maxNgram < 1 || maxLength < 1 || branches < 1) {
            throw new IllegalArgumentException("lookup needs n-gram, length and branches >= 1");
        }
        this.maxNgram = maxNgram;
        this.maxLength = maxLength;
        this.branches = branches;
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
                int parent = -1;
                for (int i = from; i < n && i < from + maxLength; i++) parent = tree.add(parent, context[i], null);
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
