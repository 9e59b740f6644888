package io.tessera.tokenizer.train;

import io.tessera.TesseraException;
import io.tessera.tokenizer.ByteLevel;
import io.tessera.tokenizer.hf.HFTokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte-level BPE trainer with Hugging Face {@code BpeTrainer} semantics, writing a tokenizer.json
 * that Hugging Face {@code tokenizers} and {@link HFTokenizer} load.
 *
 * <pre>{@code
 * TrainedBpe bpe = new BpeTrainer().vocabSize(8192).specialTokens("<|endoftext|>").train(List.of(Path.of("corpus.txt")));
 * bpe.write(Path.of("tokenizer.json"));          // atomically
 * HFTokenizer tok = bpe.tokenizer();               // ready to encode
 * }</pre>
 *
 * <p>As Hugging Face trains: each input line (with its line ending) is pre-tokenized into words
 * (Llama 3's or GPT-2's split regex, then the byte-to-character mapping) and the words counted; the
 * vocabulary is the special tokens, then the initial alphabet (every character seen, plus all 256
 * byte-level characters) sorted by code point and cut to {@code limitAlphabet} by dropping the
 * rarest characters, then one token per merge. Each merge joins the pair of adjacent symbols with the
 * highest count over all words (ties: the pair whose (left id, right id) is smallest); training stops
 * at {@code vocabSize} tokens or when the best pair occurs fewer than {@code minFrequency} times (or
 * never). Pair counts are updated incrementally (priority queue plus, per pair, the words it occurs
 * in), so each merge costs time in proportion to the words it touches.
 *
 * <p>Differences from Hugging Face, all outside its specified behaviour: special-token text in the
 * input is left out of the word counts (Hugging Face counts it as ordinary words unless the special
 * tokens were added to the tokenizer before training); where {@code limitAlphabet} must drop one of
 * several equally rare characters, the higher code points go first (Hugging Face: arbitrary).
 */
public final class BpeTrainer {
    /** The pre-tokenizer: Llama 3's split regex (digits in groups of up to three) or GPT-2's; both byte-level. */
    public enum Split {
        /** Llama 3's tokenizer.json pre-tokenizer; GGUF pre-tokenizer name "llama-bpe" (ignore_merges). */
        LLAMA3,
        /** GPT-2's ByteLevel pre-tokenizer with its built-in regex; GGUF pre-tokenizer name "gpt-2". */
        GPT2
    }

    private int vocabSize = 8192;
    private long minFrequency = 0;
    private List<String> specialTokens = List.of();
    private int limitAlphabet = -1;
    private int maxTokenLength = Integer.MAX_VALUE;
    private boolean byteLevelAlphabet = true;
    private Split split = Split.LLAMA3;
    private int threads = Runtime.getRuntime().availableProcessors();
    private Progress progress = Progress.NONE;

    /** Target vocabulary size, special tokens and alphabet included (default 8192). */
    public BpeTrainer vocabSize(int n) {
        if (n < 1) throw new IllegalArgumentException("vocab size must be positive: " + n);
        vocabSize = n;
        return this;
    }

    /** A pair must occur at least this often to be merged (default 0: any pair that occurs). */
    public BpeTrainer minFrequency(long f) {
        if (f < 0) throw new IllegalArgumentException("min frequency must not be negative: " + f);
        minFrequency = f;
        return this;
    }

    /** Special tokens, given ids 0, 1, ... in this order (duplicates and empty strings are dropped). */
    public BpeTrainer specialTokens(String... tokens) {
        return specialTokens(List.of(tokens));
    }

    public BpeTrainer specialTokens(List<String> tokens) {
        List<String> l = new ArrayList<>();
        for (String t : tokens) if (!t.isEmpty() && !l.contains(t)) l.add(t);
        specialTokens = List.copyOf(l);
        return this;
    }

    /** Keeps at most this many characters in the initial alphabet (default: no limit). */
    public BpeTrainer limitAlphabet(int n) {
        if (n < 0) throw new IllegalArgumentException("limit alphabet must not be negative: " + n);
        limitAlphabet = n;
        return this;
    }

    /**
     * Hugging Face's {@code max_token_length}: after a merge, a pair it creates is counted only when
     * its two symbols have fewer than {@code n} characters together, so no merge makes a token of
     * {@code n} or more characters (pairs of two single characters count whatever {@code n} is).
     * Characters are byte-level characters, i.e. UTF-8 bytes. Default: no limit.
     */
    public BpeTrainer maxTokenLength(int n) {
        if (n < 1) throw new IllegalArgumentException("max token length must be positive: " + n);
        maxTokenLength = n;
        return this;
    }

    /**
     * Whether all 256 byte-level characters are in the initial alphabet (default true: every byte
     * can be encoded). Off, the alphabet is only the characters of the counted words (Hugging Face's
     * default for a trainer without {@code initial_alphabet}).
     */
    public BpeTrainer byteLevelAlphabet(boolean on) {
        byteLevelAlphabet = on;
        return this;
    }

    public BpeTrainer split(Split s) {
        split = s;
        return this;
    }

    /** Threads for counting words (default: the available processors). */
    public BpeTrainer threads(int n) {
        threads = Math.max(1, n);
        return this;
    }

    public BpeTrainer progress(Progress p) {
        progress = p == null ? Progress.NONE : p;
        return this;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public List<String> specialTokens() {
        return specialTokens;
    }

    public Split split() {
        return split;
    }

    // ================================================================ input

    /**
     * Trains on UTF-8 text files. A missing, unreadable, empty or non-UTF-8 file is a
     * {@link TesseraException} naming the file (and the byte offset of the first bad UTF-8 sequence).
     */
    public TrainedBpe train(List<Path> files) {
        if (files.isEmpty()) throw new TesseraException("no input files");
        List<String> texts = new ArrayList<>(files.size());
        for (Path f : files) texts.add(readUtf8(f));
        return trainTexts(texts);
    }

    /** Reads a file as strict UTF-8, with one-line errors. */
    public static String readUtf8(Path f) {
        byte[] bytes;
        try {
            if (Files.isDirectory(f)) throw new TesseraException(f + ": is a directory");
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            throw new TesseraException(f + ": no such file");
        } catch (IOException e) {
            throw new TesseraException(f + ": cannot read: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            throw new TesseraException(f + ": too large to read into memory");
        }
        if (bytes.length == 0) throw new TesseraException(f + ": empty file");
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = dec.decode(in, out, true);
        if (r.isError()) throw new TesseraException(f + ": not UTF-8: invalid byte sequence at byte offset " + in.position());
        r = dec.flush(out);
        if (r.isError()) throw new TesseraException(f + ": not UTF-8: truncated sequence at byte offset " + in.position());
        out.flip();
        return out.toString();
    }

    /** Trains on texts, each cut into lines (each with its line ending) as Hugging Face does for files. */
    public TrainedBpe trainTexts(List<String> texts) {
        return trainWordCounts(countWords(texts));
    }

    /** Hugging Face's sequences of a text: its lines, each with its {@code \n} (a {@code \r} stays in its line). */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
            out.add(text.substring(start, i + 1));
            start = i + 1;
        }
        if (start < text.length()) out.add(text.substring(start));
        return out;
    }

    /** The pre-tokenizer this trainer counts words with (the trained tokenizer's, with only the alphabet). */
    HFTokenizer preTokenizer() {
        List<String> alphabet = new ArrayList<>(256);
        for (int b = 0; b < 256; b++) alphabet.add(String.valueOf(ByteLevel.byteToChar(b)));
        List<String> vocab = new ArrayList<>(specialTokens);
        for (String a : alphabet) if (!vocab.contains(a)) vocab.add(a);
        return new TrainedBpe(split, specialTokens, vocab, List.of()).tokenizer();
    }

    /**
     * Counts the words of the texts (cut into lines, pre-tokenized), on {@link #threads} threads.
     * The result's iteration order is deterministic for given input.
     */
    public Map<String, Long> countWords(List<String> texts) {
        HFTokenizer pre = preTokenizer();
        List<String> seqs = new ArrayList<>();
        long total = 0;
        for (String t : texts) {
            total += t.length();
            seqs.addAll(lines(t));
        }
        progress.begin("Counting words", total, "chars");
        int nChunks = Math.max(1, Math.min(seqs.size(), threads * 8));
        int per = (seqs.size() + nChunks - 1) / Math.max(1, nChunks);
        AtomicLong done = new AtomicLong();
        List<Map<String, long[]>> parts = new ArrayList<>();
        if (threads == 1 || seqs.size() < 64) {
            parts.add(countChunk(pre, seqs, 0, seqs.size(), done, true));
        } else {
            ExecutorService ex = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "bpe-count");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<Map<String, long[]>>> fs = new ArrayList<>();
                for (int from = 0; from < seqs.size(); from += per) {
                    int f = from, to = Math.min(seqs.size(), from + per);
                    fs.add(ex.submit(() -> countChunk(pre, seqs, f, to, done, false)));
                }
                for (Future<Map<String, long[]>> f : fs) {
                    while (!f.isDone()) {
                        progress.update(done.get());
                        try {
                            f.get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                        } catch (java.util.concurrent.TimeoutException ignored) {
                            // report progress and wait again
                        }
                    }
                    parts.add(f.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TesseraException("interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new TesseraException("counting words failed: " + e.getCause());
            } finally {
                ex.shutdownNow();
            }
        }
        Map<String, long[]> all = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            for (Map.Entry<String, long[]> e : parts.get(i).entrySet()) {
                long[] c = all.get(e.getKey());
                if (c == null) all.put(e.getKey(), e.getValue());
                else c[0] += e.getValue()[0];
            }
        }
        progress.end(total);
        String[] keys = all.keySet().toArray(new String[0]);
        Arrays.sort(keys);
        Map<String, Long> out = new LinkedHashMap<>(keys.length * 2);
        for (String k : keys) out.put(k, all.get(k)[0]);
        return out;
    }

    private Map<String, long[]> countChunk(HFTokenizer pre, List<String> seqs, int from, int to, AtomicLong done, boolean report) {
        Map<String, long[]> m = new HashMap<>();
        for (int i = from; i < to; i++) {
            String s = seqs.get(i);
            pre.forEachWord(s, w -> {
                long[] c = m.get(w);
                if (c == null) m.put(w, new long[] {1});
                else c[0]++;
            });
            long d = done.addAndGet(s.length());
            if (report && (i & 255) == 0) progress.update(d);
        }
        return m;
    }

    // ================================================================ merges

    /** One queue entry as Hugging Face's: a pair, its count when queued, and words it may occur in. */
    private record Entry(long pair, long count, int[] pos) {}

    private static final Comparator<Entry> ORDER = (x, y) -> x.count != y.count ? Long.compare(y.count, x.count) : Long.compare(x.pair, y.pair);

    private static long pair(int a, int b) {
        return ((long) a << 32) | b;
    }

    /**
     * Trains on counted words (each a string of alphabet characters, e.g. byte-level characters).
     * Word order does not matter.
     */
    public TrainedBpe trainWordCounts(Map<String, Long> wordCounts) {
        Map<String, Integer> w2id = new HashMap<>();
        List<String> id2w = new ArrayList<>();
        for (String s : specialTokens) add(s, w2id, id2w);

        // initial alphabet: every character seen (weighted by count), the byte-level alphabet always kept
        Map<Integer, Long> alphabet = new HashMap<>();
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            String w = e.getKey();
            for (int i = 0; i < w.length(); ) {
                int cp = w.codePointAt(i);
                alphabet.merge(cp, e.getValue(), BpeTrainer::saturatingAdd);
                i += Character.charCount(cp);
            }
        }
        if (byteLevelAlphabet) for (int b = 0; b < 256; b++) alphabet.put((int) ByteLevel.byteToChar(b), Long.MAX_VALUE);
        List<Map.Entry<Integer, Long>> kept = new ArrayList<>(alphabet.entrySet());
        if (limitAlphabet >= 0 && kept.size() > limitAlphabet) {
            kept.sort(Map.Entry.<Integer, Long>comparingByValue().thenComparing(Map.Entry.<Integer, Long>comparingByKey().reversed()));
            kept = new ArrayList<>(kept.subList(kept.size() - limitAlphabet, kept.size()));
        }
        kept.sort(Map.Entry.comparingByKey());
        for (Map.Entry<Integer, Long> e : kept) add(new String(Character.toChars(e.getKey())), w2id, id2w);

        // words as symbol ids (characters outside the alphabet dropped, as Hugging Face does)
        int nw = wordCounts.size();
        int[][] words = new int[nw][];
        int[] lens = new int[nw];
        long[] counts = new long[nw];
        int wi = 0;
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            String w = e.getKey();
            int[] syms = new int[w.length()];
            int n = 0;
            for (int i = 0; i < w.length(); ) {
                int cp = w.codePointAt(i);
                int len = Character.charCount(cp);
                Integer id = w2id.get(w.substring(i, i + len));
                if (id != null) syms[n++] = id;
                i += len;
            }
            words[wi] = syms;
            lens[wi] = n;
            counts[wi] = e.getValue();
            wi++;
        }

        // pair counts and, per pair, the words it occurs in (pairs of two alphabet characters always)
        PairTable table = new PairTable(1 << 16);
        int stamp = 1;
        LongList touched = new LongList();
        for (int w = 0; w < nw; w++) {
            int[] s = words[w];
            for (int i = 0; i + 1 < lens[w]; i++) {
                int slot = table.slot(pair(s[i], s[i + 1]));
                table.count[slot] += counts[w];
                table.addWord(slot, w, stamp, touched);
            }
        }
        PriorityQueue<Entry> queue = new PriorityQueue<>(Math.max(16, touched.n), ORDER);
        pushTouched(table, touched, queue);

        // merges
        LinkedHashMap<Long, Integer> merges = new LinkedHashMap<>();
        int todo = Math.max(0, vocabSize - id2w.size());
        progress.begin("Computing merges", todo, "merges");
        int done = 0;
        long lastReport = System.nanoTime();
        while (w2id.size() < vocabSize && !queue.isEmpty()) {
            Entry top = queue.poll();
            int topSlot = table.slot(top.pair);
            long current = table.count[topSlot];
            if (top.count != current) {
                queue.add(new Entry(top.pair, current, top.pos));
                continue;
            }
            if (top.count < 1 || minFrequency > top.count) break;
            int a = (int) (top.pair >>> 32), b = (int) top.pair;
            String merged = id2w.get(a) + id2w.get(b);
            int before = id2w.size();
            int id = add(merged, w2id, id2w);
            merges.remove(top.pair);
            merges.put(top.pair, id);
            stamp++;
            int idLen = id2w.get(id).codePointCount(0, id2w.get(id).length());
            for (int w : top.pos) mergeWord(words[w], lens, w, a, b, id, idLen, counts[w], table, stamp, touched, id2w);
            pushTouched(table, touched, queue);
            if (id2w.size() > before) {
                done++;
                long now = System.nanoTime();
                if (now - lastReport > 50_000_000L) {
                    progress.update(done);
                    lastReport = now;
                }
            }
        }
        progress.end(done);

        List<String[]> mergeList = new ArrayList<>(merges.size());
        for (long p : merges.keySet()) mergeList.add(new String[] {id2w.get((int) (p >>> 32)), id2w.get((int) p)});
        return new TrainedBpe(split, specialTokens, id2w, mergeList);
    }

    private static long saturatingAdd(long x, long y) {
        long r = x + y;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    private static int add(String s, Map<String, Integer> w2id, List<String> id2w) {
        Integer id = w2id.get(s);
        if (id != null) return id;
        w2id.put(s, id2w.size());
        id2w.add(s);
        return id2w.size() - 1;
    }

    private static void pushTouched(PairTable table, LongList touched, PriorityQueue<Entry> queue) {
        for (int i = 0; i < touched.n; i++) {
            int slot = table.slot(touched.a[i]);
            long c = table.count[slot];
            if (c > 0) queue.add(new Entry(table.keys[slot], c, table.takeWords(slot)));
            else table.takeWords(slot);
        }
        touched.n = 0;
    }

    /**
     * Hugging Face's Word::merge: replaces each non-overlapping occurrence of (a, b), left to right,
     * by {@code id} ({@code idLen} characters), counting the pairs that disappear and those that appear
     * around it (those shorter than the maximum token length).
     */
    private void mergeWord(int[] s, int[] lens, int w, int a, int b, int id, int idLen, long count, PairTable table, int stamp,
                           LongList touched, List<String> id2w) {
        int n = lens[w];
        int out = 0;
        for (int r = 0; r < n; ) {
            if (r + 1 < n && s[r] == a && s[r + 1] == b) {
                if (out > 0) table.replace(pair(s[out - 1], a), pair(s[out - 1], id), fits(id2w, s[out - 1], idLen), w, count, stamp, touched);
                if (r + 2 < n) table.replace(pair(b, s[r + 2]), pair(id, s[r + 2]), fits(id2w, s[r + 2], idLen), w, count, stamp, touched);
                s[out++] = id;
                r += 2;
            } else {
                s[out++] = s[r++];
            }
        }
        lens[w] = out;
    }

    /** Whether a pair of symbol {@code other} and a symbol of {@code len} characters is shorter than the maximum token length. */
    private boolean fits(List<String> id2w, int other, int len) {
        if (maxTokenLength == Integer.MAX_VALUE) return true;
        String o = id2w.get(other);
        return (long) o.codePointCount(0, o.length()) + len < maxTokenLength;
    }

    static final class IntList {
        int[] a = new int[16];
        int n;

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }
    }

    static final class LongList {
        long[] a = new long[16];
        int n;

        void add(long v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }
    }

    /** Open-addressing table from pairs to their count and the words gathered for them in the current step. */
    static final class PairTable {
        long[] keys;
        long[] count;
        int[] stamp;
        IntList[] words;
        private int size, mask;

        PairTable(int cap) {
            keys = new long[cap];
            Arrays.fill(keys, -1L);
            count = new long[cap];
            stamp = new int[cap];
            words = new IntList[cap];
            mask = cap - 1;
        }

        int slot(long k) {
            for (int i = mix(k) & mask; ; i = (i + 1) & mask) {
                if (keys[i] == k) return i;
                if (keys[i] == -1L) {
                    if ((size + 1) * 2 > keys.length) {
                        grow();
                        return slot(k);
                    }
                    keys[i] = k;
                    size++;
                    return i;
                }
            }
        }

        /**
         * In word {@code w} (occurring {@code count} times), one occurrence of pair {@code gone} became
         * {@code appeared}, which is counted only when {@code counted}.
         */
        void replace(long gone, long appeared, boolean counted, int w, long count, int step, LongList touched) {
            int g = slot(gone);
            this.count[g] -= count;
            if (!counted) return;
            int a = slot(appeared);
            this.count[a] += count;
            addWord(a, w, step, touched);
        }

        /** Records word {@code w} for the slot's pair in this step (words arrive in runs, so a repeat is the last one). */
        void addWord(int slot, int w, int step, LongList touched) {
            if (stamp[slot] != step || words[slot] == null) {
                stamp[slot] = step;
                words[slot] = new IntList();
                touched.add(keys[slot]);
            }
            IntList l = words[slot];
            if (l.n == 0 || l.a[l.n - 1] != w) l.add(w);
        }

        int[] takeWords(int slot) {
            IntList l = words[slot];
            words[slot] = null;
            return l == null ? new int[0] : Arrays.copyOf(l.a, l.n);
        }

        private static int mix(long k) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29));
        }

        private void grow() {
            long[] ok = keys, oc = count;
            int[] os = stamp;
            IntList[] ow = words;
            int cap = ok.length * 2;
            keys = new long[cap];
            Arrays.fill(keys, -1L);
            count = new long[cap];
            stamp = new int[cap];
            words = new IntList[cap];
            mask = cap - 1;
            size = 0;
            for (int i = 0; i < ok.length; i++) {
                if (ok[i] == -1L) continue;
                int j = slot(ok[i]);
                count[j] = oc[i];
                stamp[j] = os[i];
                words[j] = ow[i];
            }
        }
    }
}
