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
    private final int contextLength;
    private int position;

    Session(Model model, int contextLength, int threads) {
        this.model = model;
        this.transformer = model.transformer();
        this.contextLength = contextLength;
        this.parallel = new Parallel(threads);
        this.state = transformer.newState(contextLength, parallel);
    }

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
        checkRoom(1);
        checkToken(token);
        transformer.forward(state, token, position, true);
        position++;
        return state.logits;
    }

    /** Forgets every position from {@code newPosition} on (the KV entries are overwritten later). */
    public void rewind(int newPosition) {
        if (newPosition < 0 || newPosition > position) {
            throw new IllegalArgumentException("rewind to " + newPosition + " outside [0, " + position + "]");
        }
        position = newPosition;
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
        parallel.close();
    }
}
