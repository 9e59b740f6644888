package io.tessera.tokenizer;

import java.nio.charset.StandardCharsets;

/** UTF-8 helpers. */
public final class Utf8 {
    private Utf8() {}

    /** UTF-8 bytes of a string; an unpaired surrogate is encoded as U+FFFD (EF BF BD), never as '?'. */
    public static byte[] encode(String s) {
        return Unicode.wellFormed(s).getBytes(StandardCharsets.UTF_8);
    }

    /** Length of the UTF-8 sequence a lead byte starts, as llama.cpp's unicode_len_utf8 computes it. */
    public static int sequenceLength(byte lead) {
        int hi = (lead & 0xFF) >>> 4;
        return hi < 12 ? 1 : hi < 14 ? 2 : hi == 14 ? 3 : 4;
    }
}
