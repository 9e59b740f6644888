package io.tessera.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Incremental detokenizer: {@link #feed(int)} takes one token id and returns the text that is now
 * final, never a partial UTF-8 character (bytes of an unfinished character are held back until the
 * following tokens complete it); {@link #flush()} returns the rest at the end. The concatenation of
 * all outputs equals the tokenizer's decode of all ids: the first token's leading space is dropped
 * when the vocabulary adds a prefix space, and llama.cpp's clean-up of spaces before punctuation and
 * contractions is applied, holding back the few bytes after a space that it could still change.
 * Not thread-safe.
 */
public final class StreamingDetokenizer {
    private final IntFunction<byte[]> pieces;
    private final boolean stripFirstSpace;
    private final boolean cleanSpaces;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private byte[] raw = new byte[64];   // bytes not yet cleaned (only when cleanSpaces)
    private int rawLen;
    private ByteBuffer undecoded = ByteBuffer.allocate(16); // cleaned bytes of an unfinished character
    private boolean first = true;

    /**
     * @param pieces          bytes each token id contributes (already empty for tokens not rendered)
     * @param stripFirstSpace drop one leading space of the first token's bytes
     * @param cleanSpaces     apply llama.cpp's clean_up_tokenization_spaces passes
     */
    public StreamingDetokenizer(IntFunction<byte[]> pieces, boolean stripFirstSpace, boolean cleanSpaces) {
        this.pieces = pieces;
        this.stripFirstSpace = stripFirstSpace;
        this.cleanSpaces = cleanSpaces;
    }

    /** Adds one token; returns the text completed by it (possibly empty). */
    public String feed(int id) {
        byte[] b = pieces.apply(id);
        int off = 0;
        if (first) {
            first = false;
            if (stripFirstSpace && b.length > 0 && b[0] == ' ') off = 1;
        }
        if (!cleanSpaces) return decode(b, off, b.length - off, false);
        append(b, off, b.length - off);
        int cut = safeCut();
        if (cut == 0) return "";
        byte[] chunk = Arrays.copyOf(raw, cut);
        System.arraycopy(raw, cut, raw, 0, rawLen - cut);
        rawLen -= cut;
        int n = SpaceCleaner.clean(chunk, chunk.length);
        return decode(chunk, 0, n, false);
    }

    /** Returns everything still held back; an unfinished character at the very end becomes U+FFFD. */
    public String flush() {
        String s;
        if (cleanSpaces && rawLen > 0) {
            int n = SpaceCleaner.clean(raw, rawLen);
            s = decode(raw, 0, n, true);
            rawLen = 0;
        } else {
            s = decode(new byte[0], 0, 0, true);
        }
        decoder.reset();
        first = true;
        return s;
    }

    /** The largest prefix length whose clean-up cannot depend on bytes still to come. */
    private int safeCut() {
        for (int k = rawLen; k > 0; k--) {
            boolean space = false;
            for (int j = Math.max(0, k - 3); j < k; j++) if (raw[j] == ' ') space = true;
            if (!space) return k;
        }
        return 0;
    }

    private void append(byte[] b, int off, int len) {
        if (rawLen + len > raw.length) raw = Arrays.copyOf(raw, Math.max(raw.length * 2, rawLen + len));
        System.arraycopy(b, off, raw, rawLen, len);
        rawLen += len;
    }

    private String decode(byte[] b, int off, int len, boolean end) {
        ByteBuffer in = ByteBuffer.allocate(undecoded.position() + len);
        undecoded.flip();
        in.put(undecoded);
        in.put(b, off, len);
        in.flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 8);
        decoder.decode(in, out, end);
        if (end) decoder.flush(out);
        undecoded = ByteBuffer.allocate(Math.max(16, in.remaining()));
        undecoded.put(in);
        out.flip();
        return out.toString();
    }
}
