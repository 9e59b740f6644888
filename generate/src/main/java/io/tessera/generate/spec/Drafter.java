package io.tessera.generate.spec;

/**
 * Proposes drafted continuations for a {@link SpeculativeDecoder}. Each mode of speculation is one drafter.
 * Not thread-safe: one per sequence.
 */
public interface Drafter extends AutoCloseable {

    /**
     * Drafts continuations of {@code context[0, length)} (every token so far, prompt included; the last one is not
     * yet in the target's cache). May return an empty tree: the step then decodes one token.
     */
    DraftTree draft(int[] context, int length);

    /**
     * The outcome of verifying {@code tree}: the target's logits after the last context token {@code root}
     * ({@code rootLogits}) and after each node ({@code nodeLogits[i]}), and how many drafted tokens were accepted.
     */
    default void verified(DraftTree tree, int root, float[] rootLogits, float[][] nodeLogits, int accepted) {}

    @Override
    default void close() {}
}
