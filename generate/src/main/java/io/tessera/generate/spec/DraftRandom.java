package io.tessera.generate.spec;

import java.util.SplittableRandom;

/**
 * The random stream a drafter draws its tokens from, for the same sampling seed as the {@link SpeculativeDecoder}
 * that verifies them. Exactness needs the drafts independent of the decoder's acceptance draws, and
 * {@code SplittableRandom}s with the same gamma but seeds a small multiple of it apart give the same numbers
 * shifted: a stream seeded {@code seed ^ 0x9E3779B97F4A7C15L} (the gamma) is the decoder's shifted by one draw
 * whenever {@code seed & gamma == 0}, e.g. for seeds 0, 2, 8, 10, 32, 34, 40 and 42, so each draft token would
 * be drawn with the uniform the decoder later uses to accept or reject. A split-off stream has a gamma of its own.
 */
final class DraftRandom {
    private DraftRandom() {}

    /** A stream independent of {@code new SplittableRandom(seed)}'s. */
    static SplittableRandom of(long seed) {
        return new SplittableRandom(seed).split();
    }
}
