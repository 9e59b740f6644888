package io.tessera.generate.spec;

/**
 * Counts of a speculative run.
 *
 * @param steps    verification passes of the target (each emits at least one token)
 * @param drafted  drafted tokens sent to verification (tree nodes)
 * @param accepted drafted tokens accepted
 * @param emitted  tokens produced (accepted plus one per step)
 */
public record SpecStats(long steps, long drafted, long accepted, long emitted) {

    /** Accepted drafted tokens over drafted tokens. */
    public double acceptanceRate() {
        return drafted == 0 ? 0 : (double) accepted / drafted;
    }

    /** Tokens produced per target pass (the block efficiency; 1 without speculation). */
    public double meanAcceptedLength() {
        return steps == 0 ? 0 : (double) emitted / steps;
    }
}
