package io.tessera.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Rank-based BPE merging over a sequence of symbols, independent of how the symbols were made
 * (byte-level characters for GPT-2 style vocabularies, characters for others): repeatedly merges the
 * adjacent pair with the lowest merge rank, the leftmost pair first among equal ranks, until no
 * adjacent pair has a rank. This is llama.cpp's llm_tokenizer_bpe_session merge loop; it runs in
 * O(n log n) for n symbols.
 */
public final class BpeMerger {
    private record Pair(String left, String right) {}

    private final Map<Pair, Integer> ranks;

    private BpeMerger(Map<Pair, Integer> ranks) {
        this.ranks = ranks;
    }

    /**
     * Ranks from merge rules {@code "left right"}, rank = position in the array. The split is at the
     * first space after the first character (so a rule may merge a symbol that starts with a space);
     * a rule without such a space is the pair ("", ""), which never applies. A repeated rule keeps its
     * first rank.
     */
    public static BpeMerger fromMerges(String[] merges) {
        Map<Pair, Integer> ranks = new HashMap<>(merges.length * 2);
        for (int i = 0; i < merges.length; i++) {
            String m = merges[i];
            int sp = m.length() > 1 ? m.indexOf(' ', 1) : -1;
            Pair p = sp < 0 ? new Pair("", "") : new Pair(m.substring(0, sp), m.substring(sp + 1));
            ranks.putIfAbsent(p, i);
        }
        return new BpeMerger(ranks);
    }

    /** Ranks from explicit pairs, rank = position in the lists (for tokenizer.json style merges). */
    public static BpeMerger fromPairs(List<String> lefts, List<String> rights) {
        if (lefts.size() != rights.size()) throw new IllegalArgumentException("lefts and rights differ in length");
        Map<Pair, Integer> ranks = new HashMap<>(lefts.size() * 2);
        for (int i = 0; i < lefts.size(); i++) ranks.putIfAbsent(new Pair(lefts.get(i), rights.get(i)), i);
        return new BpeMerger(ranks);
    }

    public int size() {
        return ranks.size();
    }

    /** The rank of merging {@code left} with {@code right}, or -1 when there is no such rule. */
    public int rank(String left, String right) {
        Integer r = ranks.get(new Pair(left, right));
        return r == null ? -1 : r;
    }

    private record Bigram(int rank, int left, int right, int size) {}

    /** Merges the symbols and returns the resulting pieces in order (their concatenation is unchanged). */
    public List<String> merge(List<String> symbols) {
        int n = symbols.size();
        if (n < 2) return new ArrayList<>(symbols);
        String[] text = symbols.toArray(new String[0]);
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            len[i] = text[i].length();
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(Math.max(1, n), (a, b) ->
                a.rank != b.rank ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) addBigram(text, len, i - 1, i, queue);
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left, r = b.right;
            // outdated when either side was merged since (symbols only grow, merged-away ones are empty)
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size) continue;
            text[l] = text[l] + text[r];
            len[l] += len[r];
            len[r] = 0;
            text[r] = null;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            addBigram(text, len, prev[l], l, queue);
            addBigram(text, len, l, next[l], queue);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i != -1; i = next[i]) out.add(text[i]);
        return out;
    }

    private void addBigram(String[] text, int[] len, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) return;
        int r = rank(text[left], text[right]);
        if (r < 0) return;
        queue.add(new Bigram(r, left, right, len[left] + len[right]));
    }
}
