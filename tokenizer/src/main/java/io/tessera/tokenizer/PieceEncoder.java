package io.tessera.tokenizer;

import java.util.Arrays;

/**
 * Byte-level BPE of one pre-tokenized piece, straight from its UTF-8 bytes: the whole piece when it
 * is a token (tiktoken's shortcut; optional), else the BPE merge of its byte ids, remembered in a
 * direct-mapped cache of short pieces. Shared by {@link Tiktoken} and the tokenizer.json byte-level
 * fast path. Thread-safe: cache slots hold immutable entries and a lost race only costs a merge.
 */
public final class PieceEncoder {
    private static final int CACHE_MAX_BYTES = 48;

    private final BytesMap vocab;
    private final boolean wholeFirst;
    private final int[] byteIds;
    private final BpeMerger merger;
    private final Entry[] cache = new Entry[1 << 17];

    private record Entry(byte[] key, int[] ids) {}

    /**
     * @param vocab      token bytes to id
     * @param wholeFirst whether a piece that is a token is that token without merging (tiktoken,
     *                   Hugging Face's {@code ignore_merges})
     * @param byteIds    the id of each single byte (all present)
     * @param merger     the merge rules over those ids
     */
    public PieceEncoder(BytesMap vocab, boolean wholeFirst, int[] byteIds, BpeMerger merger) {
        this.vocab = vocab;
        this.wholeFirst = wholeFirst;
        this.byteIds = byteIds.clone();
        this.merger = merger;
    }

    /**
     * Writes the ids of the piece {@code b[0, n)} into {@code ids} (room for {@code n}) and returns
     * how many there are.
     */
    public int encode(byte[] b, int n, int[] ids) {
        if (n == 0) return 0;
        int h = BytesMap.hash(b, 0, n);
        if (wholeFirst) {
            int id = vocab.get(b, 0, n, h);
            if (id >= 0) {
                ids[0] = id;
                return 1;
            }
        }
        int slot = -1;
        if (n <= CACHE_MAX_BYTES) {
            slot = h & (cache.length - 1);
            Entry e = cache[slot];
            if (e != null && e.key.length == n && BytesMap.same(e.key, b, 0, n)) {
                System.arraycopy(e.ids, 0, ids, 0, e.ids.length);
                return e.ids.length;
            }
        }
        for (int i = 0; i < n; i++) ids[i] = byteIds[b[i] & 0xFF];
        int m = merger.merge(ids, n);
        if (slot >= 0) cache[slot] = new Entry(Arrays.copyOf(b, n), Arrays.copyOf(ids, m));
        return m;
    }
}
