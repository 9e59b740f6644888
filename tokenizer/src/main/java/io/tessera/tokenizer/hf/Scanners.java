package io.tessera.tokenizer.hf;

/** Hand-written scanners for the split regexes of well-known tokenizers (same matches, faster). */
final class Scanners {
    private Scanners() {}

    static HfPattern forRegex(String re) {
        return null;
    }
}
