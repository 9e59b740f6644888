package io.tessera.generate;

import io.tessera.generate.spec.SpecStats;

/**
 * What a {@link Generator} run produced, with its timings.
 *
 * @param stopReason "eos" when the model ended the text, "length" when the token budget ran out,
 *                   "stopped" when the callback asked to stop, "context" when the context was full
 * @param speculation  the speculative decoding counts, or null when it was not used
 */
public record GenerationResult(int[] promptTokens, int[] tokens, String text, String stopReason,
                               long promptNanos, long generationNanos, SpecStats speculation) {

    /** A run without speculative decoding. */
    public GenerationResult(int[] promptTokens, int[] tokens, String text, String stopReason, long promptNanos, long generationNanos) {
        this(promptTokens, tokens, text, stopReason, promptNanos, generationNanos, null);
    }

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens.length * 1e9 / promptNanos;
    }

    /** Decode speed: tokens after the first, over the time after the first (the first comes from the prompt pass). */
    public double generationTokensPerSecond() {
        return generationNanos == 0 || tokens.length < 2 ? 0 : (tokens.length - 1) * 1e9 / generationNanos;
    }
}
