package io.tessera.model;

import io.tessera.TesseraException;
import io.tessera.model.arch.Transformer;

/**
 * One sequence being evaluated by a {@link Model}: its KV cache, position and compute threads.
 * Feed the prompt with {@link #prefill}, then one token at a time with {@link #decode}. Not thread-safe.
 */
public final class Session implements AutoCloseable {
    private final Model model;
    private final Transformer transformer;
    private final Transformer.State state;
    private final Parallel parallel;
    private final boolean ownsPool;
    private final int contextLength;
    private int position;
    // the speculative tree after position: node i sits in KV slot position + i
    private int[] treeParents = new int[0], treeDepths = new int[0];
    private int treeSize;

    /** @param ownsPool whether closing this session closes {@code pool} (false when it is another session's) */
    Session(Model model, int contextLength, Parallel pool, boolean ownsPool) {
        this.model = model;
        this.transformer = model.transformer();
        this.contextLength = contextLength;
        this.parallel = pool;
        this.ownsPool = ownsPool;
        this.state = transformer.newState(contextLength, parallel);
    }

    /** The compute threads, to share with another session that runs in turn with this one (a draft model's). */
    Parallel pool() { return parallel; }

    public Model model() { return model; }
    public int contextLength() { return contextLength; }
    /** Number of tokens already in the KV cache. */
    public int position() { return position; }
    public int threads() { return parallel.threads(); }

    /**
     * Appends {@code tokens} to the sequence and returns the next-token logits after the last one
     * (a view that the next call overwrites; copy it to keep it).
     */
    public float[] prefill(int[] tokens) {
        if (tokens.length == 0) throw new TesseraException("prefill: no tokens");
        treeSize = 0;
        checkRoom(tokens.length);
        for (int token : tokens) checkToken(token);
        for (int i = 0; i < tokens.length; i += Transformer.BATCH) {
            int n = Math.min(Transformer.BATCH, tokens.length - i);
            transformer.forwardBatch(state, tokens, i, n, position, i + n == tokens.length);
            position += n;
        }
        return state.logits;
    }

    /** Appends one token and returns the next-token logits (a view overwritten by the next call). */
    public float[] decode(int token) {
        treeSize = 0;
        checkRoom(1);
        checkToken(token);
        transformer.forward(state, token, position, true);
        position++;
        return state.logits;
    }

    /**
     * Appends nodes to the speculative token tree that hangs after the committed sequence, and returns each new
     * node's next-token logits (fresh arrays). {@code parents[i]} is the index of node i's parent in the tree
     * (nodes are numbered from 0 in the order added), or -1 for a node that directly follows the committed
     * sequence; a parent must come before its child. All the new nodes run as one batched pass of the model,
     * each attending to the committed sequence and its own ancestors only (a tree attention mask); a node's
     * logits are bit for bit those of {@link #decode} along its path. Nothing is committed until
     * {@link #commitPath}; {@link #discardTree} drops the tree.
     */
    public float[][] extendTree(int[] tokens, int[] parents) {
        if (tokens.length != parents.length) {
            throw new IllegalArgumentException(tokens.length + " tree tokens but " + parents.length + " parents");
        }
        int n = tokens.length;
        if (n == 0) return new float[0][];
        checkRoom(treeSize + n);
        if (treeParents.length < treeSize + n) {
            int cap = Math.max(treeSize + n, treeParents.length * 2);
            treeParents = java.util.Arrays.copyOf(treeParents, cap);
            treeDepths = java.util.Arrays.copyOf(treeDepths, cap);
        }
        for (int i = 0; i < n; i++) {
            int node = treeSize + i, parent = parents[i];
            checkToken(tokens[i]);
            if (parent < -1 || parent >= node) {
                throw new IllegalArgumentException("tree node " + node + ": parent " + parent + " is not an earlier node or -1");
            }
            treeParents[node] = parent;
            treeDepths[node] = parent < 0 ? 0 : treeDepths[parent] + 1;
        }
        int vocab = model.config().vocabSize();
        float[][] logits = new float[n][vocab];
        for (int i = 0; i < n; i += Transformer.BATCH) {
            int m = Math.min(Transformer.BATCH, n - i);
            int[] slots = new int[m], rope = new int[m];
            int[][] ancestors = new int[m][];
            for (int j = 0; j < m; j++) {
                int node = treeSize + i + j;
                slots[j] = position + node;
                rope[j] = position + treeDepths[node];
                int[] a = new int[treeDepths[node] + 1];
                for (int k = a.length - 1, p = node; k >= 0; k--, p = treeParents[p]) a[k] = position + p;
                ancestors[j] = a;
            }
            transformer.forwardTree(state, tokens, i, m, slots, rope, position, ancestors,
                    java.util.Arrays.copyOfRange(logits, i, i + m));
        }
        treeSize += n;
        return logits;
    }

    /** Nodes in the speculative tree. */
    public int treeSize() { return treeSize; }

    /**
     * Keeps one root-to-node path of the speculative tree as the continuation of the sequence (its KV entries
     * move into place) and drops the rest of the tree. {@code path} lists node indices, each the parent of the
     * next, the first a root (parent -1); an empty path keeps nothing.
     */
    public void commitPath(int[] path) {
        for (int i = 0; i < path.length; i++) {
            int node = path[i];
            if (node < 0 || node >= treeSize || treeParents[node] != (i == 0 ? -1 : path[i - 1])) {
                throw new IllegalArgumentException("commitPath: node " + node + " at step " + i + " does not continue the path");
            }
        }
        for (int i = 0; i < path.length; i++) {
            if (path[i] != i) state.cache.move(position + path[i], position + i);
        }
        position += path.length;
        treeSize = 0;
    }

    /** Drops the speculative tree. */
    public void discardTree() { treeSize = 0; }

    /** Forgets every position from {@code newPosition} on (the KV entries are overwritten later). */
    public void rewind(int newPosition) {
        if (newPosition < 0 || newPosition > position) {
            throw new IllegalArgumentException("rewind to " + newPosition + " outside [0, " + position + "]");
        }
        position = newPosition;
        treeSize = 0;
    }

    private void checkRoom(int n) {
        if (position + n > contextLength) {
            throw new TesseraException("context full: " + (position + n) + " tokens do not fit in a context of "
                    + contextLength + " (raise --ctx, at most the model's " + model.config().contextLength() + ")");
        }
    }

    private void checkToken(int token) {
        if (token < 0 || token >= model.config().vocabSize()) {
            throw new TesseraException("token id " + token + " outside the vocabulary [0, " + model.config().vocabSize() + ")");
        }
    }

    @Override
    public void close() {
        if (ownsPool) parallel.close();
    }
}
