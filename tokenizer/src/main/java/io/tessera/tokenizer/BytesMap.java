package io.tessera.tokenizer;

import java.util.Arrays;

/** Open-addressing map from byte strings to non-negative ints (vocabulary ids, tiktoken ranks). */
public final class BytesMap {
    private final byte[][] keys;
    private final int[] vals;
    private final int mask;

    public BytesMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        keys = new byte[cap][];
        vals = new int[cap];
        mask = cap - 1;
    }

    /** FNV-1a of the bytes, folded; also used for piece caches. */
    public static int hash(byte[] b, int off, int len) {
        int h = 0x811C9DC5 ^ len;
        for (int i = off; i < off + len; i++) h = (h ^ (b[i] & 0xFF)) * 0x01000193;
        return h ^ (h >>> 15);
    }

    /** Adds the key unless present (the first value given for a key wins). */
    public void put(byte[] k, int v) {
        for (int i = hash(k, 0, k.length) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == null) {
                keys[i] = k;
                vals[i] = v;
                return;
            }
            if (Arrays.equals(keys[i], k)) return;
        }
    }

    /** The value of {@code b[off, off + len)}, or -1. */
    public int get(byte[] b, int off, int len) {
        for (int i = hash(b, off, len) & mask; ; i = (i + 1) & mask) {
            byte[] k = keys[i];
            if (k == null) return -1;
            if (k.length == len && Arrays.equals(k, 0, len, b, off, off + len)) return vals[i];
        }
    }
}
