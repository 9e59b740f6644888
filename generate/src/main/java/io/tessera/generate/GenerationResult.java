package io.tessera.generate;

/**
 * What a {@link Generator} run produced, with its timings.
 *
 * @param stopReason "eos" when the model ended the text, "length" when the token budget ran out,
 *                   "stopped" when the callback asked to stop
 */
public record GenerationResult(int[] promptTokens, int[] tokens, String text, String stopReason,
                               long promptNanos, long generationNanos) {

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens.length * 1e9 / promptNanos;
    }

    /** Decode speed: tokens after the first, over the time after the first (the first comes from the prompt pass). */
    public double generationTokensPerSecond() {
        return generationNanos == 0 || tokens.length < 2 ? 0 : (tokens.length - 1) * 1e9 / generationNanos;
    }
}
