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

    /** UTF-8 of {@code s[from, to)} into {@code b} (room for 3 bytes per char), an unpaired surrogate as U+FFFD; returns the length. */
    public static int encode(String s, int from, int to, byte[] b) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[n++] = (byte) c;
            } else if (c < 0x800) {
                b[n++] = (byte) (0xC0 | (c >> 6));
                b[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[n++] = (byte) (0xF0 | (cp >> 18));
                b[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                b[n++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                if (Character.isSurrogate(c)) c = '\uFFFD';
                b[n++] = (byte) (0xE0 | (c >> 12));
                b[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return n;
    }
}
