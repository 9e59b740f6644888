package io.tessera.tokenizer.train;

/**
 * Progress of a training run: stages ("Counting words", "Computing merges", ...) each with a total
 * amount of work and updates of the amount done. Called from the training thread only; the default
 * methods do nothing.
 */
public interface Progress {
    Progress NONE = new Progress() {};

    /** A new stage begins; {@code total} is its amount of work in {@code unit}s (e.g. "bytes", "merges"). */
    default void begin(String stage, long total, String unit) {}

    /** {@code done} of the stage's total is done. */
    default void update(long done) {}

    /** The stage ended with {@code done} units done (may be less than announced: training can stop early). */
    default void end(long done) {}
}
