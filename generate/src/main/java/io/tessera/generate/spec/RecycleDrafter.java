package io.tessera.generate.spec;

import java.util.Arrays;

/**
 * Token Recycling (mode {@code recycle}): no draft model. An adjacency matrix keeps, for every token, the
 * {@code k} most likely next tokens from the target's logits the last time that token was verified (the
 * candidates other methods throw away). A draft tree is read from it breadth first from the last token: the
 * best candidate of each node branches widest, the others less; after every verification the matrix rows of
 * all verified tokens are replaced by their fresh candidates. Proposals are deterministic.
 */
public final class RecycleDrafter implements Drafter {
    private final int k;
    private final int[] successors; // [token * k + rank], -1 when unknown
    private final int[] widths;

    /**
     * @param vocabSize the target's vocabulary size
     * @param k         candidates kept per token
     * @param widths    children of a rank-0 node at each depth (a rank-r node gets widths[d] - 2r, at least 1 for r = 1);
     *                  its length is the tree's depth
     */
    public RecycleDrafter(int vocabSize, int k, int[] widths) {
        if (k < 1 || widths.length == 0) throw new IllegalArgumentException("recycle needs k >= 1 and a depth >= 1");
        this.k = k;
        this.widths = widths.clone();
        this.successors = new int[vocabSize * k];
        Arrays.fill(successors, -1);
    }

    /**
     * The default tree: 8 candidates per token, up to 6 deep, 12 nodes. Smaller than the paper's ~80 nodes: on a CPU
     * each verified node costs a third to a half of a decoding step, not nearly nothing as on a GPU.
     */
    public RecycleDrafter(int vocabSize) {
        this(vocabSize, 8, new int[]{3, 2, 1, 1, 1, 1});
    }

    @Override
    public DraftTree draft(int[] context, int n) {
        DraftTree tree = new DraftTree();
        // breadth first: level holds (node, rank) pairs of the previous depth; the root is the last token
        int[] level = {-1}, ranks = {0};
        int[] tokensOf = {context[n - 1]};
        for (int d = 0; d < widths.length && level.length > 0; d++) {
            int[] nextLevel = new int[0], nextRanks = new int[0], nextTokens = new int[0];
            for (int i = 0; i < level.length; i++) {
                int width = ranks[i] == 0 ? widths[d] : Math.max(ranks[i] == 1 ? 1 : 0, widths[d] - 2 * ranks[i]);
                int base = tokensOf[i] * k;
                for (int r = 0; r < Math.min(width, k); r++) {
                    int token = successors[base + r];
                    if (token < 0) break;
                    int node = tree.add(level[i], token, null);
                    nextLevel = append(nextLevel, node);
                    nextRanks = append(nextRanks, r);
                    nextTokens = append(nextTokens, token);
                }
            }
            level = nextLevel;
            ranks = nextRanks;
            tokensOf = nextTokens;
        }
        return tree;
    }

    @Override
    public void verified(DraftTree tree, int root, float[] rootLogits, float[][] nodeLogits, int accepted) {
        update(root, rootLogits);
        for (int i = 0; i < nodeLogits.length; i++) update(tree.token(i), nodeLogits[i]);
    }

    private void update(int token, float[] logits) {
        int base = token * k;
        int[] top = Selection.topK(logits, k);
        System.arraycopy(top, 0, successors, base, top.length);
    }

    private static int[] append(int[] a, int v) {
        int[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }
}
