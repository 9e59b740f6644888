package io.tessera.tokenizer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Open-addressing map from byte strings to ints 0..2^24-2 (vocabulary ids, tiktoken ranks). A slot
 * holds the hash, length and value and the first 16 key bytes inline, so looking up a key of up to
 * 16 bytes (nearly every token) reads one place in memory.
 */
public final class BytesMap {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_VALUE = 0xFFFFFE;

    private final long[] slots; // 3 per slot: hash << 32 | min(len, 255) << 24 | value + 1 (0: empty), bytes 0..7, bytes 8..15
    private final byte[][] longKeys; // keys longer than 16 bytes, whole
    private final int mask;

    public BytesMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        slots = new long[3 * cap];
        longKeys = new byte[cap][];
        mask = cap - 1;
    }

    /** Bytes {@code b[off + i, off + min(len, i + 8))} as a little-endian long, zero-padded. */
    private static long word(byte[] b, int off, int len, int i) {
        int k = len - i;
        if (k <= 0) return 0;
        if (off + i + 8 <= b.length) {
            long w = (long) LONGS.get(b, off + i);
            return k >= 8 ? w : w & ((1L << (8 * k)) - 1);
        }
        long w = 0;
        for (int j = Math.min(k, 8) - 1; j >= 0; j--) w = w << 8 | (b[off + i + j] & 0xFF);
        return w;
    }

    /** A hash of {@code b[off, off + len)} (eight bytes at a time); also used for piece caches. */
    public static int hash(byte[] b, int off, int len) {
        long h = word(b, off, len, 0) * 0x9E3779B97F4A7C15L ^ word(b, off, len, 8) * 0xC2B2AE3D27D4EB4FL ^ len;
        for (int i = 16; i < len; i += 8) h = (h ^ word(b, off, len, i)) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ h >>> 29);
    }

    private static long tag(int h, int len) {
        return (long) h << 32 | (long) Math.min(len, 255) << 24;
    }

    /** Adds the key unless present (the first value given for a key wins). */
    public void put(byte[] k, int v) {
        if (v < 0 || v > MAX_VALUE) throw new IllegalArgumentException("value " + v + " out of range");
        int h = hash(k, 0, k.length);
        if (get(k, 0, k.length, h) >= 0) return;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            if (slots[3 * i] == 0) {
                slots[3 * i] = tag(h, k.length) | (v + 1);
                slots[3 * i + 1] = word(k, 0, k.length, 0);
                slots[3 * i + 2] = word(k, 0, k.length, 8);
                if (k.length > 16) longKeys[i] = k;
                return;
            }
        }
    }

    /** The value of {@code b[off, off + len)}, or -1. */
    public int get(byte[] b, int off, int len) {
        return get(b, off, len, hash(b, off, len));
    }

    /** The value of {@code b[off, off + len)} whose {@link #hash} is {@code h}, or -1. */
    public int get(byte[] b, int off, int len, int h) {
        long tag = tag(h, len);
        long w0 = word(b, off, len, 0), w1 = word(b, off, len, 8);
        for (int i = h & mask; ; i = (i + 1) & mask) {
            long meta = slots[3 * i];
            if (meta == 0) return -1;
            if ((meta & ~0xFFFFFFL) == tag && slots[3 * i + 1] == w0 && slots[3 * i + 2] == w1
                    && (len <= 16 || (longKeys[i].length == len && Arrays.equals(longKeys[i], 16, len, b, off + 16, off + len)))) {
                return (int) (meta & 0xFFFFFF) - 1;
            }
        }
    }

    /** Whether {@code k} equals {@code b[off, off + len)} ({@code k.length == len}); a plain loop for the short keys most are. */
    static boolean same(byte[] k, byte[] b, int off, int len) {
        if (len > 16) return Arrays.equals(k, 0, len, b, off, off + len);
        for (int i = 0; i < len; i++) if (k[i] != b[off + i]) return false;
        return true;
    }
}
