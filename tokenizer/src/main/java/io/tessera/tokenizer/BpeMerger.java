package io.tessera.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one BPE merge core of Tessera, shared by the GGUF tokenizers, the tokenizer.json BPE model and
 * tiktoken: a table of symbol-id pairs, each with a rank and the id of the merged symbol, and
 * {@link #merge(int[], int)}, which repeatedly merges the adjacent pair with the lowest rank, the
 * leftmost first among equal ranks, until no adjacent pair has a rank. That is Hugging Face's
 * {@code Word::merge_all}, llama.cpp's merge loop and tiktoken's {@code byte_pair_merge} alike.
 * Short words are merged by scanning (no allocation beyond one small array), long ones with a
 * binary heap in O(n log n).
 *
 * <p>The string API ({@link #fromMerges}, {@link #merge(List)}) maps merge-rule strings to internal
 * symbol ids and runs the same core.
 */
public final class BpeMerger {
    private static final long EMPTY = -1L;
    private static final long NONE = Long.MAX_VALUE;

    private final long[] table; // key at 2i, rank << 32 | merged id at 2i + 1: one cache line per probe
    private final int mask;
    private final int size;
    // string API only
    private final Map<String, Integer> symbolIds;
    private final String[] symbolNames;

    private BpeMerger(long[] table, int size, Map<String, Integer> symbolIds, String[] symbolNames) {
        this.table = table;
        this.mask = table.length / 2 - 1;
        this.size = size;
        this.symbolIds = symbolIds;
        this.symbolNames = symbolNames;
    }

    /** Collects pair rules; the first rule given for a pair wins. */
    public static final class Builder {
        private long[] table;
        private int size;
        private int nextRank;

        public Builder(int expected) {
            table = newTable(Integer.highestOneBit(Math.max(16, expected * 2 + 1) - 1) << 1);
        }

        /** Adds the rule with the next rank (0, 1, 2, ... in call order). */
        public Builder add(int left, int right, int merged) {
            return add(left, right, merged, nextRank++);
        }

        /** Adds a rule with an explicit rank (ranks may repeat, e.g. tiktoken's rank of the merged bytes). */
        public Builder add(int left, int right, int merged, int rank) {
            if (left < 0 || right < 0 || merged < 0 || rank < 0) throw new IllegalArgumentException("negative id or rank");
            if ((size + 1) * 4 > table.length) grow();
            if (put(table, key(left, right), ((long) rank << 32) | merged)) size++;
            return this;
        }

        private static long[] newTable(int cap) {
            long[] t = new long[2 * cap];
            for (int i = 0; i < t.length; i += 2) t[i] = EMPTY;
            return t;
        }

        private static boolean put(long[] t, long k, long v) {
            int m = t.length / 2 - 1;
            for (int i = mix(k) & m; ; i = (i + 1) & m) {
                if (t[2 * i] == EMPTY) {
                    t[2 * i] = k;
                    t[2 * i + 1] = v;
                    return true;
                }
                if (t[2 * i] == k) return false;
            }
        }

        private void grow() {
            long[] nt = newTable(table.length);
            for (int i = 0; i < table.length; i += 2) if (table[i] != EMPTY) put(nt, table[i], table[i + 1]);
            table = nt;
        }

        public BpeMerger build() {
            return new BpeMerger(table, size, null, null);
        }
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int mix(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    /** {@code rank << 32 | merged} of the pair, or {@link Long#MAX_VALUE} when there is no rule. */
    private long lookup(int left, int right) {
        long k = key(left, right);
        for (int i = mix(k) & mask; ; i = (i + 1) & mask) {
            long kk = table[2 * i];
            if (kk == k) return table[2 * i + 1];
            if (kk == EMPTY) return NONE;
        }
    }

    /** The rank of merging the two symbol ids, or -1 when there is no rule. */
    public int rank(int left, int right) {
        long v = lookup(left, right);
        return v == NONE ? -1 : (int) (v >>> 32);
    }

    /** The id of the merged symbol, or -1 when there is no rule. */
    public int mergedId(int left, int right) {
        long v = lookup(left, right);
        return v == NONE ? -1 : (int) v;
    }

    public int size() {
        return size;
    }

    /** Every rule as {left, right, merged}, by rank (rules of equal rank in no particular order). */
    public int[][] rulesByRank() {
        int[][] out = new int[size][];
        long[] order = new long[size];
        int n = 0;
        for (int i = 0; i < table.length; i += 2) if (table[i] != EMPTY) order[n++] = (table[i + 1] >>> 32) << 32 | i;
        Arrays.sort(order, 0, n);
        for (int k = 0; k < n; k++) {
            int i = (int) order[k];
            out[k] = new int[] {(int) (table[i] >>> 32), (int) table[i], (int) table[i + 1]};
        }
        return out;
    }

    /**
     * Merges the symbol ids {@code ids[0..n)} in place and returns how many symbols remain. Ids
     * without any rule (e.g. negative placeholders) are left alone.
     */
    public int merge(int[] ids, int n) {
        return merge(ids, n, null);
    }

    /**
     * As {@link #merge(int[], int)}, also merging a payload: when two symbols merge, the result keeps
     * the right symbol's {@code ends} value (e.g. the end offset of its text). {@code ends} may be null.
     */
    public int merge(int[] ids, int n, int[] ends) {
        if (n < 2) return n;
        return n <= 48 ? mergeSmall(ids, n, ends) : mergeLarge(ids, n, ends);
    }

    private int mergeSmall(int[] ids, int n, int[] ends) {
        long[] pr = new long[n];
        for (int i = 0; i < n - 1; i++) pr[i] = lookup(ids[i], ids[i + 1]);
        pr[n - 1] = NONE;
        while (true) {
            long best = NONE;
            int at = -1;
            for (int i = 0; i < n - 1; i++) {
                if (pr[i] < best) {
                    best = pr[i];
                    at = i;
                }
            }
            if (at < 0) return n;
            ids[at] = (int) best;
            System.arraycopy(ids, at + 2, ids, at + 1, n - at - 2);
            if (ends != null) {
                ends[at] = ends[at + 1];
                System.arraycopy(ends, at + 2, ends, at + 1, n - at - 2);
            }
            System.arraycopy(pr, at + 2, pr, at + 1, n - at - 2);
            n--;
            pr[n - 1 < 0 ? 0 : n - 1] = NONE;
            if (at < n - 1) pr[at] = lookup(ids[at], ids[at + 1]);
            else pr[at] = NONE;
            if (at > 0) pr[at - 1] = lookup(ids[at - 1], ids[at]);
        }
    }

    private int mergeLarge(int[] ids, int n, int[] ends) {
        int[] next = new int[n], prev = new int[n];
        long[] pair = new long[n]; // the current rule of (i, next[i]), so a heap entry is checked without a lookup
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        long[] heap = new long[n];
        int hn = 0;
        for (int i = 0; i < n - 1; i++) {
            long v = pair[i] = lookup(ids[i], ids[i + 1]);
            if (v != NONE) hn = push(heap, hn, (v >>> 32) << 32 | i);
        }
        pair[n - 1] = NONE;
        while (hn > 0) {
            long top = heap[0];
            int pos = (int) top;
            long v = pair[pos];
            if (v == NONE || (v >>> 32) != (top >>> 32)) { // stale entry (removed symbols have pair NONE)
                hn = pop(heap, hn);
                continue;
            }
            int r = next[pos];
            ids[pos] = (int) v;
            if (ends != null) ends[pos] = ends[r];
            next[pos] = next[r];
            if (next[r] >= 0) prev[next[r]] = pos;
            pair[r] = NONE;
            // the top entry becomes the merged symbol's new pair, or goes
            long nv = pair[pos] = next[pos] >= 0 ? lookup(ids[pos], ids[next[pos]]) : NONE;
            if (nv != NONE) {
                heap[0] = (nv >>> 32) << 32 | pos;
                siftDown(heap, hn, 0);
            } else {
                hn = pop(heap, hn);
            }
            int p = prev[pos];
            if (p >= 0) {
                long pv = pair[p] = lookup(ids[p], ids[pos]);
                if (pv != NONE) {
                    if (hn == heap.length) heap = Arrays.copyOf(heap, hn * 2);
                    hn = push(heap, hn, (pv >>> 32) << 32 | p);
                }
            }
        }
        int m = 0;
        for (int i = 0; i != -1; i = next[i]) {
            if (ends != null) ends[m] = ends[i];
            ids[m++] = ids[i];
        }
        return m;
    }

    // a 4-ary min-heap of rank << 32 | position: half the depth of a binary one

    private static int push(long[] heap, int hn, long v) {
        int i = hn++;
        while (i > 0) {
            int p = (i - 1) >>> 2;
            if (heap[p] <= v) break;
            heap[i] = heap[p];
            i = p;
        }
        heap[i] = v;
        return hn;
    }

    private static int pop(long[] heap, int hn) {
        heap[0] = heap[--hn];
        siftDown(heap, hn, 0);
        return hn;
    }

    private static void siftDown(long[] heap, int hn, int i) {
        if (hn == 0) return;
        long v = heap[i];
        while (true) {
            int c = 4 * i + 1;
            if (c >= hn) break;
            int best = c;
            long bv = heap[c];
            int end = Math.min(c + 4, hn);
            for (int k = c + 1; k < end; k++) {
                long x = heap[k];
                if (x < bv) {
                    bv = x;
                    best = k;
                }
            }
            if (bv >= v) break;
            heap[i] = bv;
            i = best;
        }
        heap[i] = v;
    }

    // ---------------------------------------------------------------- string API

    /**
     * Ranks from merge rules {@code "left right"}, rank = position in the array. The split is at the
     * first space after the first character (so a rule may merge a symbol that starts with a space);
     * a rule without such a space never applies. A repeated rule keeps its first rank.
     */
    public static BpeMerger fromMerges(String[] merges) {
        List<String> l = new ArrayList<>(merges.length), r = new ArrayList<>(merges.length);
        for (String m : merges) {
            int sp = m.length() > 1 ? m.indexOf(' ', 1) : -1;
            l.add(sp < 0 ? null : m.substring(0, sp));
            r.add(sp < 0 ? null : m.substring(sp + 1));
        }
        return fromPairs(l, r);
    }

    /** Ranks from explicit pairs, rank = position in the lists (null entries never apply). */
    public static BpeMerger fromPairs(List<String> lefts, List<String> rights) {
        if (lefts.size() != rights.size()) throw new IllegalArgumentException("lefts and rights differ in length");
        Map<String, Integer> sym = new HashMap<>(lefts.size() * 3);
        List<String> names = new ArrayList<>();
        Builder b = new Builder(lefts.size());
        for (int i = 0; i < lefts.size(); i++) {
            String a = lefts.get(i), c = rights.get(i);
            if (a == null || c == null) {
                b.nextRank++;
                continue;
            }
            b.add(intern(sym, names, a), intern(sym, names, c), intern(sym, names, a + c));
        }
        return new BpeMerger(b.table, b.size, sym, names.toArray(new String[0]));
    }

    private static int intern(Map<String, Integer> sym, List<String> names, String s) {
        Integer id = sym.get(s);
        if (id != null) return id;
        sym.put(s, names.size());
        names.add(s);
        return names.size() - 1;
    }

    /** The rank of merging {@code left} with {@code right}, or -1 when there is no such rule. */
    public int rank(String left, String right) {
        Integer a = symbolIds.get(left), b = symbolIds.get(right);
        return a == null || b == null ? -1 : rank(a, b);
    }

    /** Merges the symbols and returns the resulting pieces in order (their concatenation is unchanged). */
    public List<String> merge(List<String> symbols) {
        int n = symbols.size();
        int[] ids = new int[n];
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Integer id = symbolIds.get(symbols.get(i));
            if (id == null) {
                ids[i] = symbolNames.length + unknown.size();
                unknown.add(symbols.get(i));
            } else {
                ids[i] = id;
            }
        }
        int m = merge(ids, n);
        List<String> out = new ArrayList<>(m);
        for (int i = 0; i < m; i++) out.add(ids[i] < symbolNames.length ? symbolNames[ids[i]] : unknown.get(ids[i] - symbolNames.length));
        return out;
    }
}
