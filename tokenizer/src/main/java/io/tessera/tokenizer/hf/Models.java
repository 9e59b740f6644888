package io.tessera.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.tessera.tokenizer.BpeMerger;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The models of tokenizer.json: a word (one pre-tokenized split) to tokens. */
final class Models {
    private Models() {}

    /** Tokens of one word: ids and char ranges {@code [start, end)} inside the word. */
    static final class Tokens {
        int[] id = new int[16], start = new int[16], end = new int[16];
        int n;

        void add(int i, int s, int e) {
            if (n == id.length) {
                id = Arrays.copyOf(id, n * 2);
                start = Arrays.copyOf(start, n * 2);
                end = Arrays.copyOf(end, n * 2);
            }
            id[n] = i;
            start[n] = s;
            end[n] = e;
            n++;
        }
    }

    abstract static class Model {
        final Map<String, Integer> vocab;
        final String[] idToToken;

        Model(Map<String, Integer> vocab) {
            this.vocab = vocab;
            int max = -1;
            for (int v : vocab.values()) max = Math.max(max, v);
            idToToken = new String[max + 1];
            for (Map.Entry<String, Integer> e : vocab.entrySet()) idToToken[e.getValue()] = e.getKey();
        }

        abstract void tokenize(String word, Tokens out);

        int tokenToId(String t) {
            Integer id = vocab.get(t);
            return id == null ? -1 : id;
        }
    }

    static Model parse(JsonNode n, String path) {
        if (n == null || n.isNull()) throw Json.error(path, "missing");
        JsonNode t = n.get("type");
        String type;
        if (t != null && t.isTextual()) {
            type = t.asText();
        } else if (n.has("merges")) {
            type = "BPE";
        } else if (n.has("vocab") && n.get("vocab").isArray()) {
            type = "Unigram";
        } else if (n.has("continuing_subword_prefix") || n.has("max_input_chars_per_word")) {
            type = "WordPiece";
        } else {
            type = "WordLevel";
        }
        return switch (type) {
            case "BPE" -> Bpe.parse(n, path);
            case "WordPiece" -> new WordPiece(vocabMap(n, path), Json.str(n, path, "unk_token", "[UNK]"),
                    Json.str(n, path, "continuing_subword_prefix", "##"), Json.integer(n, path, "max_input_chars_per_word", 100));
            case "WordLevel" -> new WordLevel(vocabMap(n, path), Json.str(n, path, "unk_token", null));
            case "Unigram" -> Unigram.parse(n, path);
            default -> throw Json.error(path + ".type", "unsupported \"" + type + "\"");
        };
    }

    static Map<String, Integer> vocabMap(JsonNode n, String path) {
        JsonNode v = Json.field(n, path, "vocab");
        if (!v.isObject()) throw Json.error(path + ".vocab", "expected an object of token: id");
        Map<String, Integer> m = new HashMap<>(v.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw Json.error(path + ".vocab[\"" + e.getKey() + "\"]", "expected a non-negative integer id");
            }
            m.put(e.getKey(), e.getValue().asInt());
        }
        return m;
    }

    // ================================================================ BPE

    static final class Bpe extends Model {
        final BpeMerger merger;
        final int unk;
        final String prefix, suffix;
        final boolean fuseUnk, byteFallback, ignoreMerges;
        final int[] byteIds = new int[256];
        /** Id of each BMP char as a whole token (no prefix/suffix), -1 when none. */
        private final int[] charIds;
        private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();
        private static final int CACHE_MAX = 200_000, CACHE_WORD_MAX = 64;

        Bpe(Map<String, Integer> vocab, BpeMerger merger, String unk, String prefix, String suffix, boolean fuseUnk,
            boolean byteFallback, boolean ignoreMerges) {
            super(vocab);
            this.merger = merger;
            this.unk = unk == null ? -1 : vocab.getOrDefault(unk, -1);
            this.prefix = prefix == null || prefix.isEmpty() ? null : prefix;
            this.suffix = suffix == null || suffix.isEmpty() ? null : suffix;
            this.fuseUnk = fuseUnk;
            this.byteFallback = byteFallback;
            this.ignoreMerges = ignoreMerges;
            for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
            charIds = new int[65536];
            Arrays.fill(charIds, -1);
            for (Map.Entry<String, Integer> e : vocab.entrySet()) {
                if (e.getKey().length() == 1) charIds[e.getKey().charAt(0)] = e.getValue();
            }
            // SentencePiece-style words (a whole line with '▁' for spaces) split into chunks before
            // each '▁' when no token spans such a boundary: merging is local, so the ids are the same
            boolean allBytes = true;
            for (int id : byteIds) if (id < 0) allBytes = false;
            boolean chunk = this.prefix == null && this.suffix == null && !ignoreMerges && vocab.containsKey("\u2581")
                    && (this.unk < 0 || !fuseUnk || (byteFallback && allBytes));
            if (chunk) {
                noSplitAfter = new java.util.HashSet<>();
                for (String t : vocab.keySet()) {
                    for (int i = 1; i < t.length(); i++) {
                        if (t.charAt(i) == '\u2581' && t.charAt(i - 1) != '\u2581') noSplitAfter.add(t.charAt(i - 1));
                    }
                }
            } else {
                noSplitAfter = null;
            }
        }

        /** Chars after which a '▁' may not start a chunk; null: no chunking. */
        private final java.util.Set<Character> noSplitAfter;

        private boolean chunked(String w, Tokens out) {
            if (noSplitAfter == null || w.length() <= 16) return false;
            int start = 0;
            boolean any = false;
            for (int i = 1; i < w.length(); i++) {
                char p = w.charAt(i - 1);
                if (w.charAt(i) == '\u2581' && p != '\u2581' && !noSplitAfter.contains(p) && !Character.isHighSurrogate(p)) {
                    any = true;
                    tokenizeChunk(w.substring(start, i), start, out);
                    start = i;
                }
            }
            if (!any) return false;
            tokenizeChunk(w.substring(start), start, out);
            return true;
        }

        private void tokenizeChunk(String c, int offset, Tokens out) {
            int before = out.n;
            tokenizeWord(c, out);
            for (int k = before; k < out.n; k++) {
                out.start[k] += offset;
                out.end[k] += offset;
            }
        }

        static Bpe parse(JsonNode n, String path) {
            Map<String, Integer> vocab = vocabMap(n, path);
            JsonNode merges = Json.array(n, path, "merges");
            BpeMerger.Builder b = new BpeMerger.Builder(merges.size());
            for (int i = 0; i < merges.size(); i++) {
                JsonNode m = merges.get(i);
                String a, c;
                if (m.isTextual()) {
                    String s = m.asText();
                    int sp = s.indexOf(' ');
                    if (sp < 0 || s.indexOf(' ', sp + 1) >= 0) throw Json.error(path + ".merges[" + i + "]", "expected \"left right\"");
                    a = s.substring(0, sp);
                    c = s.substring(sp + 1);
                } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                    a = m.get(0).asText();
                    c = m.get(1).asText();
                } else {
                    throw Json.error(path + ".merges[" + i + "]", "expected \"left right\" or [left, right]");
                }
                Integer ia = vocab.get(a), ic = vocab.get(c);
                if (ia == null || ic == null) throw Json.error(path + ".merges[" + i + "]", "token \"" + (ia == null ? a : c) + "\" is not in the vocabulary");
                String prefix = Json.str(n, path, "continuing_subword_prefix", null);
                String merged = prefix != null && !prefix.isEmpty() && c.startsWith(prefix) ? a + c.substring(prefix.length()) : a + c;
                Integer im = vocab.get(merged);
                if (im == null) throw Json.error(path + ".merges[" + i + "]", "merged token \"" + merged + "\" is not in the vocabulary");
                b.add(ia, ic, im);
            }
            return new Bpe(vocab, b.build(), Json.str(n, path, "unk_token", null), Json.str(n, path, "continuing_subword_prefix", null),
                    Json.str(n, path, "end_of_word_suffix", null), Json.bool(n, path, "fuse_unk", false),
                    Json.bool(n, path, "byte_fallback", false), Json.bool(n, path, "ignore_merges", false));
        }

        @Override
        void tokenize(String w, Tokens out) {
            if (w.isEmpty() || chunked(w, out)) return;
            tokenizeWord(w, out);
        }

        private void tokenizeWord(String w, Tokens out) {
            int len = w.length();
            if (len == 0) return;
            if (ignoreMerges) {
                int id = len == 1 && suffix == null ? charIds[w.charAt(0)] : vocab.getOrDefault(w, -1);
                if (id >= 0) {
                    out.add(id, 0, len);
                    return;
                }
            }
            boolean cacheable = len <= CACHE_WORD_MAX;
            if (cacheable) {
                int[] hit = cache.get(w);
                if (hit != null) {
                    int k = hit.length / 2;
                    int s = 0;
                    for (int i = 0; i < k; i++) {
                        out.add(hit[i], s, hit[k + i]);
                        s = hit[k + i];
                    }
                    return;
                }
            }
            Sym sym = new Sym(len + 4);
            int unkStart = -1, unkEnd = -1; // pending unk token
            for (int i = 0; i < len; ) {
                int cp = w.codePointAt(i);
                int cl = Character.charCount(cp);
                boolean first = i == 0, last = i + cl == len;
                int id;
                String s = null;
                if (cl == 1 && (first || prefix == null) && (!last || suffix == null)) {
                    id = charIds[w.charAt(i)];
                } else {
                    s = w.substring(i, i + cl);
                    if (!first && prefix != null) s = prefix + s;
                    if (last && suffix != null) s = s + suffix;
                    id = vocab.getOrDefault(s, -1);
                }
                if (id >= 0) {
                    if (unkEnd >= 0) {
                        sym.add(unk, unkStart, unkEnd);
                        unkEnd = -1;
                    }
                    sym.add(id, i, i + cl);
                } else {
                    boolean done = false;
                    if (byteFallback) {
                        if (s == null) s = w.substring(i, i + cl);
                        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        boolean all = true;
                        for (byte by : bytes) if (byteIds[by & 0xFF] < 0) all = false;
                        if (all) {
                            for (byte by : bytes) sym.add(byteIds[by & 0xFF], i, i + cl);
                            done = true;
                        }
                    }
                    if (!done && unk >= 0) {
                        if (unkEnd >= 0 && fuseUnk) {
                            unkEnd = i + cl;
                        } else {
                            if (unkEnd >= 0) sym.add(unk, unkStart, unkEnd);
                            unkStart = i;
                            unkEnd = i + cl;
                        }
                    }
                }
                i += cl;
            }
            if (unkEnd >= 0) sym.add(unk, unkStart, unkEnd);
            int n = sym.n;
            int m = merger.merge(sym.ids, n, sym.ends);
            if (m < n) {
                // a merged symbol starts where its leftmost part started: rebuild starts from the ends
                int[] st = new int[m];
                int k = 0;
                for (int i = 0; i < m; i++) {
                    st[i] = sym.starts[k];
                    while (k < n && sym.origEnd(k) != sym.ends[i]) k++;
                    k++;
                    if (k > n) k = n;
                }
                System.arraycopy(st, 0, sym.starts, 0, m);
            }
            boolean plain = true;
            for (int i = 0; i < m; i++) {
                out.add(sym.ids[i], sym.starts[i], sym.ends[i]);
                if (sym.starts[i] != (i == 0 ? 0 : sym.ends[i - 1]) || sym.ends[i] <= sym.starts[i]) plain = false;
            }
            if (cacheable && plain && cache.size() < CACHE_MAX) {
                int[] v = new int[2 * m];
                System.arraycopy(sym.ids, 0, v, 0, m);
                System.arraycopy(sym.ends, 0, v, m, m);
                cache.put(w, v);
            }
        }

        /** Initial symbols: ids with their char ranges. */
        private static final class Sym {
            int[] ids, starts, ends, origEnds;
            int n;

            Sym(int cap) {
                ids = new int[cap];
                starts = new int[cap];
                ends = new int[cap];
                origEnds = new int[cap];
            }

            void add(int id, int s, int e) {
                if (n == ids.length) {
                    ids = Arrays.copyOf(ids, n * 2);
                    starts = Arrays.copyOf(starts, n * 2);
                    ends = Arrays.copyOf(ends, n * 2);
                    origEnds = Arrays.copyOf(origEnds, n * 2);
                }
                ids[n] = id;
                starts[n] = s;
                ends[n] = e;
                origEnds[n] = e;
                n++;
            }

            int origEnd(int k) {
                return origEnds[k];
            }
        }
    }

    // ================================================================ WordPiece

    static final class WordPiece extends Model {
        final int unk;
        final String unkToken, prefix;
        final int maxChars;
        final int maxTokenLen;

        WordPiece(Map<String, Integer> vocab, String unkToken, String prefix, int maxChars) {
            super(vocab);
            this.unkToken = unkToken;
            this.unk = vocab.getOrDefault(unkToken, -1);
            this.prefix = prefix;
            this.maxChars = maxChars;
            int mx = 1;
            for (String k : vocab.keySet()) mx = Math.max(mx, k.length());
            this.maxTokenLen = mx;
        }

        @Override
        void tokenize(String w, Tokens out) {
            int len = w.length();
            if (len == 0) return;
            if (w.codePointCount(0, len) > maxChars) {
                if (unk >= 0) out.add(unk, 0, len);
                return;
            }
            int before = out.n;
            int start = 0;
            while (start < len) {
                int end = Math.min(len, start + maxTokenLen);
                if (end < len && Character.isLowSurrogate(w.charAt(end))) end--;
                int found = -1;
                while (start < end) {
                    String sub = start > 0 ? prefix + w.substring(start, end) : w.substring(start, end);
                    Integer id = vocab.get(sub);
                    if (id != null) {
                        found = id;
                        break;
                    }
                    end -= Character.charCount(w.codePointBefore(end));
                }
                if (found < 0) {
                    out.n = before;
                    if (unk >= 0) out.add(unk, 0, len);
                    return;
                }
                out.add(found, start, end);
                start = end;
            }
        }
    }

    // ================================================================ WordLevel

    static final class WordLevel extends Model {
        final int unk;

        WordLevel(Map<String, Integer> vocab, String unkToken) {
            super(vocab);
            this.unk = unkToken == null ? -1 : vocab.getOrDefault(unkToken, -1);
        }

        @Override
        void tokenize(String w, Tokens out) {
            if (w.isEmpty()) return;
            Integer id = vocab.get(w);
            if (id != null) out.add(id, 0, w.length());
            else if (unk >= 0) out.add(unk, 0, w.length());
        }
    }

    // ================================================================ Unigram

    static final class Unigram extends Model {
        final double[] scores;
        final int unk;
        final boolean byteFallback, fuseUnk;
        final double unkScore;
        final int maxPieceLen;
        final int[] byteIds = new int[256];

        Unigram(Map<String, Integer> vocab, double[] scores, int unk, boolean byteFallback, boolean fuseUnk) {
            super(vocab);
            this.scores = scores;
            this.unk = unk;
            this.byteFallback = byteFallback;
            this.fuseUnk = fuseUnk;
            double min = Double.MAX_VALUE;
            for (double d : scores) min = Math.min(min, d);
            this.unkScore = (scores.length == 0 ? 0 : min) - 10.0;
            int mx = 1;
            for (String k : vocab.keySet()) mx = Math.max(mx, k.length());
            this.maxPieceLen = mx;
            for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }

        static Unigram parse(JsonNode n, String path) {
            JsonNode v = Json.array(n, path, "vocab");
            Map<String, Integer> vocab = new HashMap<>(v.size() * 2);
            double[] scores = new double[v.size()];
            for (int i = 0; i < v.size(); i++) {
                JsonNode e = v.get(i);
                if (!e.isArray() || e.size() != 2 || !e.get(0).isTextual() || !e.get(1).isNumber()) {
                    throw Json.error(path + ".vocab[" + i + "]", "expected [piece, score]");
                }
                vocab.putIfAbsent(e.get(0).asText(), i);
                scores[i] = e.get(1).asDouble();
            }
            int unk = Json.integer(n, path, "unk_id", -1);
            if (unk >= v.size()) throw Json.error(path + ".unk_id", "out of range");
            return new Unigram(vocab, scores, unk, Json.bool(n, path, "byte_fallback", false), true);
        }

        @Override
        void tokenize(String w, Tokens out) {
            int len = w.length();
            if (len == 0) return;
            double[] best = new double[len + 1];
            int[] from = new int[len + 1];
            int[] ids = new int[len + 1];
            Arrays.fill(from, -1);
            from[0] = 0;
            for (int s = 0; s < len; ) {
                if (from[s] < 0 && s > 0) { // unreachable position (inside a surrogate pair)
                    s++;
                    continue;
                }
                int cl = Character.charCount(w.codePointAt(s));
                boolean single = false;
                for (int e = s + 1; e <= Math.min(len, s + maxPieceLen); e++) {
                    if (e < len && Character.isLowSurrogate(w.charAt(e)) && Character.isHighSurrogate(w.charAt(e - 1))) continue;
                    Integer id = vocab.get(w.substring(s, e));
                    if (id == null) continue;
                    double sc = best[s] + scores[id];
                    if (from[e] < 0 || sc > best[e]) {
                        best[e] = sc;
                        from[e] = s;
                        ids[e] = id;
                    }
                    if (e - s == cl) single = true;
                }
                if (!single) {
                    int e = s + cl;
                    double sc = best[s] + unkScore;
                    if (from[e] < 0 || sc > best[e]) {
                        best[e] = sc;
                        from[e] = s;
                        ids[e] = unk;
                    }
                }
                s += cl;
            }
            // back-track, fusing consecutive unknowns
            int[] ps = new int[len], pe = new int[len], pid = new int[len];
            int k = 0;
            for (int e = len; e > 0; ) {
                int s = from[e];
                if (fuseUnk && unk >= 0 && ids[e] == unk && k > 0 && pid[k - 1] == unk && ps[k - 1] == e) {
                    ps[k - 1] = s;
                } else {
                    ps[k] = s;
                    pe[k] = e;
                    pid[k] = ids[e];
                    k++;
                }
                e = s;
            }
            for (int i = k - 1; i >= 0; i--) {
                int id = pid[i];
                if (id == unk && byteFallback) {
                    byte[] bytes = w.substring(ps[i], pe[i]).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    boolean all = true;
                    for (byte b : bytes) if (byteIds[b & 0xFF] < 0) all = false;
                    if (all) {
                        for (byte b : bytes) out.add(byteIds[b & 0xFF], ps[i], pe[i]);
                        continue;
                    }
                }
                if (id >= 0) out.add(id, ps[i], pe[i]);
            }
        }
    }
}
