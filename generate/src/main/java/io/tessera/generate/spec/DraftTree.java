package io.tessera.generate.spec;

import java.util.Arrays;

/**
 * Drafted continuations of the sequence, as a tree: node {@code i} holds a token, its parent node (-1 for a
 * first drafted token) and the proposal distribution the token was drawn from ({@code null} when it was chosen
 * deterministically, e.g. copied by a lookup). Siblings are tried in the order added. A chain is a tree whose
 * nodes each have one child.
 */
public final class DraftTree {
    /** How the target picks among the children of a node that were drawn i.i.d. from one proposal. */
    public enum Selection {
        /** Recursive rejection: each child in turn against the residual of the ones rejected before it. */
        RECURSIVE,
        /** SpecTr's k-sequential selection with the optimal-transport ratio rho. */
        SPECTR,
        /** Two-step: pick one child by importance weights p/q, then single-draft speculative sampling. */
        IMPORTANCE
    }

    private int size;
    private int[] tokens = new int[16], parents = new int[16];
    private float[][] proposals = new float[16][];
    private Selection[] selection = new Selection[16];
    private Selection rootSelection = Selection.RECURSIVE;

    /** Adds a node and returns its index. {@code proposal} is the full-vocabulary distribution {@code token} was drawn from, or null. */
    public int add(int parent, int token, float[] proposal) {
        if (parent < -1 || parent >= size) throw new IllegalArgumentException("parent " + parent + " is not a node");
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, size * 2);
            parents = Arrays.copyOf(parents, size * 2);
            proposals = Arrays.copyOf(proposals, size * 2);
            selection = Arrays.copyOf(selection, size * 2);
        }
        tokens[size] = token;
        parents[size] = parent;
        proposals[size] = proposal;
        selection[size] = Selection.RECURSIVE;
        return size++;
    }

    /** Sets how the children of {@code node} (-1: the first drafted tokens) are selected. */
    public void selection(int node, Selection rule) {
        if (node < 0) rootSelection = rule;
        else selection[node] = rule;
    }

    public Selection selection(int node) { return node < 0 ? rootSelection : selection[node]; }
    public int size() { return size; }
    public int token(int node) { return tokens[node]; }
    public int parent(int node) { return parents[node]; }
    public float[] proposal(int node) { return proposals[node]; }

    /** The children of {@code node} (-1: the first drafted tokens) in the order added. */
    public int[] children(int node) {
        int n = 0;
        for (int i = 0; i < size; i++) if (parents[i] == node) n++;
        int[] c = new int[n];
        for (int i = 0, k = 0; i < size; i++) if (parents[i] == node) c[k++] = i;
        return c;
    }
}
