package io.tessera.tokenizer;

import io.tessera.TesseraException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The tokenizers of llama.cpp's vocabularies, giving the same ids: SPM (SentencePiece-style BPE by
 * token score with byte fallback), BPE (byte-level BPE by merge rank after a regex pre-tokenizer) and
 * WPM (WordPiece, greedy longest match). Special tokens (control, user-defined, unknown) are split out
 * of the text first, longest first. Built from plain arrays by {@link Builder}; immutable.
 */
public final class LlamaTokenizer implements Tokenizer {

    public enum Type { SPM, BPE, WPM }

    private static final String ESCAPED_SPACE = "\u2581";

    private final Type type;
    private final String[] tokens;
    private final float[] scores;
    private final int[] attrs;
    private final Map<String, Integer> ids;
    private final int bos, eos, unk, sep;
    private final boolean[] eog;
    private final boolean addBos, addEos, addSpacePrefix, cleanSpaces, ignoreMerges, lowercase, stripAccents;
    private final int maxTokenChars;
    private final int[] specialTokens;      // control / user-defined / unknown ids, longest text first
    private final byte[][] pieceBytes;      // token_to_piece with special tokens rendered
    private final BpeMerger merger;
    private final int[] byteTokens;
    private final RegexSplitter splitter;

    private LlamaTokenizer(Builder b) {
        this.type = b.type;
        int n = b.tokens.length;
        this.tokens = b.tokens.clone();
        this.scores = b.scores != null ? b.scores.clone() : new float[n];
        this.attrs = b.attrs != null ? b.attrs.clone() : filled(n, TokenAttr.NORMAL);
        if (scores.length < n) throw new TesseraException("tokenizer: " + scores.length + " scores for " + n + " tokens");
        if (attrs.length < n) throw new TesseraException("tokenizer: " + attrs.length + " token attributes for " + n + " tokens");
        this.ids = new HashMap<>(n * 2);
        int maxLen = 0;
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null || tokens[i].isEmpty()) tokens[i] = "[EMPTY_" + i + "]";
            ids.putIfAbsent(tokens[i], i);
            maxLen = Math.max(maxLen, tokens[i].length());
        }
        this.maxTokenChars = maxLen;
        this.bos = checkId(b.bos, n);
        this.eos = checkId(b.eos, n);
        this.unk = checkId(b.unk, n);
        this.sep = checkId(b.sep, n);
        this.eog = new boolean[n];
        if (b.eog != null) for (int id : b.eog) if (id >= 0 && id < n) eog[id] = true;
        this.addBos = b.addBos;
        this.addEos = b.addEos;
        this.addSpacePrefix = b.addSpacePrefix;
        this.cleanSpaces = b.cleanSpaces;
        this.ignoreMerges = b.ignoreMerges;
        this.lowercase = b.lowercase;
        this.stripAccents = b.stripAccents;
        if (addBos && bos < 0 && type != Type.WPM) throw new TesseraException("tokenizer: add_bos is set but there is no BOS token");
        if (addEos && eos < 0) throw new TesseraException("tokenizer: add_eos is set but there is no EOS token");
        if (type == Type.BPE) {
            if (b.merges == null) throw new TesseraException("tokenizer: BPE vocabulary without merges");
            this.merger = BpeMerger.fromMerges(b.merges);
            this.splitter = new RegexSplitter(b.preTokenizer != null ? b.preTokenizer : PreTokenizer.DEFAULT.regexes());
        } else {
            this.merger = null;
            this.splitter = null;
        }
        List<Integer> special = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if ((attrs[i] & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) != 0) special.add(i);
        }
        special.sort(Comparator.comparingInt((Integer i) -> -tokens[i].length()));
        this.specialTokens = special.stream().mapToInt(Integer::intValue).toArray();
        this.byteTokens = byteTokens();
        this.pieceBytes = new byte[n][];
        for (int i = 0; i < n; i++) pieceBytes[i] = computePiece(i);
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    private static int checkId(int id, int n) {
        return id >= 0 && id < n ? id : -1;
    }

    // ================================================================ encoding

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        text = Unicode.wellFormed(text);
        List<Object> fragments = partition(text, parseSpecial);
        IntList out = new IntList(text.length() / 3 + 4);
        switch (type) {
            case SPM -> {
                boolean prevSpecial = true;
                if (addSpecial && addBos) out.add(bos);
                for (Object f : fragments) {
                    if (f instanceof String s) {
                        String t = addSpacePrefix && prevSpecial ? " " + s : s;
                        spm(t.replace(" ", ESCAPED_SPACE), out);
                        prevSpecial = false;
                    } else {
                        out.add((Integer) f);
                        prevSpecial = true;
                    }
                }
                if (addSpecial && addEos) out.add(eos);
            }
            case BPE -> {
                if (addSpecial && addBos) out.add(bos);
                for (Object f : fragments) {
                    if (f instanceof String s) bpe(s, out);
                    else out.add((Integer) f);
                }
                if (addSpecial && addEos) out.add(eos);
            }
            case WPM -> {
                if (addSpecial && bos >= 0) out.add(bos);
                for (Object f : fragments) {
                    if (f instanceof String s) wpm(s, out);
                    else out.add((Integer) f);
                }
                if (addSpecial && sep >= 0) out.add(sep);
            }
        }
        return out.toArray();
    }

    /** Splits special tokens out of the text: the result holds Strings (raw text) and Integers (ids). */
    private List<Object> partition(String text, boolean parseSpecial) {
        List<Object> frags = new ArrayList<>();
        if (text.isEmpty()) return frags;
        frags.add(text);
        for (int id : specialTokens) {
            int attr = attrs[id];
            if (!parseSpecial && (attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) != 0) continue;
            String tok = tokens[id];
            if (!text.contains(tok)) continue;
            List<Object> next = new ArrayList<>(frags.size() + 4);
            for (Object f : frags) {
                if (!(f instanceof String s)) {
                    next.add(f);
                    continue;
                }
                int pos = 0;
                int m;
                while (pos < s.length() && (m = s.indexOf(tok, pos)) >= 0) {
                    int leftEnd = m;
                    if ((attr & TokenAttr.LSTRIP) != 0) while (leftEnd > pos && isSpace(s.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > pos) next.add(s.substring(pos, leftEnd));
                    next.add(id);
                    pos = m + tok.length();
                    if ((attr & TokenAttr.RSTRIP) != 0) while (pos < s.length() && isSpace(s.charAt(pos))) pos++;
                }
                if (pos == 0) next.add(s);
                else if (pos < s.length()) next.add(s.substring(pos));
            }
            frags = next;
        }
        return frags;
    }

    /** C isspace in the "C" locale. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private Integer lookup(String s) {
        return ids.get(s);
    }

    // ---------------------------------------------------------------- SPM

    private record SpmBigram(int left, int right, float score, int size) {}

    private static final Comparator<SpmBigram> SPM_ORDER = (a, b) ->
            a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left);

    private void spm(String text, IntList out) {
        int n = text.codePointCount(0, text.length());
        if (n == 0) return;
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, off = 0; i < n; i++) {
            int cl = Character.charCount(text.codePointAt(off));
            start[i] = off;
            len[i] = cl;
            off += cl;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<SpmBigram> queue = new PriorityQueue<>(Math.max(1, n), SPM_ORDER);
        for (int i = 1; i < n; i++) spmBigram(text, start, len, i - 1, i, queue);
        while (!queue.isEmpty()) {
            SpmBigram b = queue.poll();
            int l = b.left, r = b.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            spmBigram(text, start, len, prev[l], l, queue);
            spmBigram(text, start, len, l, next[l], queue);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String piece = text.substring(start[i], start[i] + len[i]);
            Integer id = lookup(piece);
            if (id != null) out.add(id);
            else for (byte by : piece.getBytes(StandardCharsets.UTF_8)) addByteToken(by & 0xFF, out);
        }
    }

    private void spmBigram(String text, int[] start, int[] len, int left, int right, PriorityQueue<SpmBigram> queue) {
        if (left < 0 || right < 0 || len[left] + len[right] > maxTokenChars) return;
        Integer id = lookup(text.substring(start[left], start[left] + len[left] + len[right]));
        if (id == null) return;
        queue.add(new SpmBigram(left, right, scores[id], len[left] + len[right]));
    }

    private void addByteToken(int b, IntList out) {
        int id = byteTokens[b];
        if (id >= 0) out.add(id);
        else if (unk >= 0) out.add(unk);
    }

    /** The token of each byte for SPM byte fallback: "&lt;0xXX&gt;", else the byte as a one-character token. */
    private int[] byteTokens() {
        int[] t = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = lookup(String.format("<0x%02X>", b));
            if (id == null && b < 0x80) id = lookup(String.valueOf((char) b));
            t[b] = id == null ? -1 : id;
        }
        return t;
    }

    // ---------------------------------------------------------------- BPE

    private void bpe(String text, IntList out) {
        for (String raw : splitter.split(text)) {
            String word = ByteLevel.encode(raw);
            if (ignoreMerges) {
                Integer id = lookup(word);
                if (id != null) {
                    out.add(id);
                    continue;
                }
            }
            List<String> symbols = new ArrayList<>(word.length());
            for (int i = 0; i < word.length(); ) {
                int cl = Character.charCount(word.codePointAt(i));
                symbols.add(word.substring(i, i + cl));
                i += cl;
            }
            for (String piece : merger.merge(symbols)) {
                Integer id = lookup(piece);
                if (id != null) {
                    out.add(id);
                } else {
                    // llama.cpp looks each UTF-8 byte of the piece up as a one-byte token
                    for (byte by : piece.getBytes(StandardCharsets.UTF_8)) {
                        if (by >= 0) {
                            Integer bid = lookup(String.valueOf((char) by));
                            if (bid != null) out.add(bid);
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- WPM

    private void wpm(String text, IntList out) {
        for (String word : wpmWords(text)) {
            String w = ESCAPED_SPACE + word;
            int n = w.length();
            int before = out.size();
            for (int i = 0; i < n; i++) {
                boolean match = false;
                for (int j = Math.min(n, i + maxTokenChars + 1); j > i; j--) {
                    Integer id = lookup(w.substring(i, j));
                    if (id != null) {
                        out.add(id);
                        match = true;
                        i = j - 1;
                        break;
                    }
                }
                if (!match) {
                    out.truncate(before);
                    break;
                }
            }
            if (out.size() == before && unk >= 0) out.add(unk);
        }
    }

    private List<String> wpmWords(String text) {
        int[] cps = Unicode.codePoints(text);
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int cp : cps) {
            if (stripAccents) cp = nfdFirst(cp);
            int f = Unicode.flags(cp);
            if ((f & Unicode.WHITESPACE) != 0) {
                if (!cur.isEmpty()) {
                    words.add(cur.toString());
                    cur.setLength(0);
                }
                continue;
            }
            if (cp == 0 || cp == 0xFFFD || (f & Unicode.CONTROL) != 0) continue;
            if (stripAccents && (f & Unicode.ACCENT_MARK) != 0) continue;
            int c = lowercase ? Unicode.toLower(cp) : cp;
            if ((f & Unicode.PUNCTUATION) != 0 || (cp < 0x7F && (f & Unicode.SYMBOL) != 0) || isChinese(cp)) {
                if (!cur.isEmpty()) {
                    words.add(cur.toString());
                    cur.setLength(0);
                }
                words.add(new String(Character.toChars(c)));
            } else {
                cur.appendCodePoint(c);
            }
        }
        if (!cur.isEmpty()) words.add(cur.toString());
        return words;
    }

    /** First code point of the canonical decomposition (llama.cpp keeps only that one). */
    private static int nfdFirst(int cp) {
        if (cp < 0xC0) return cp;
        String s = new String(Character.toChars(cp));
        String d = Normalizer.normalize(s, Normalizer.Form.NFD);
        return d.codePointAt(0);
    }

    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    // ================================================================ decoding

    private byte[] computePiece(int id) {
        int attr = attrs[id];
        String text = tokens[id];
        if ((attr & (TokenAttr.UNKNOWN | TokenAttr.CONTROL | TokenAttr.USER_DEFINED)) != 0) return utf8(text);
        if ((attr & TokenAttr.NORMAL) != 0) {
            if (type == Type.BPE) return byteLevelDecode(text);
            return utf8(text.replace(ESCAPED_SPACE, " "));
        }
        if ((attr & TokenAttr.BYTE) != 0) return new byte[] {(byte) byteValue(text)};
        return new byte[0];
    }

    private static byte[] utf8(String s) {
        return Utf8.encode(s);
    }

    private static int byteValue(String text) {
        // "<0xXX>"
        try {
            return text.length() >= 5 ? Integer.parseInt(text.substring(3, 5), 16) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static byte[] byteLevelDecode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int cp : Unicode.codePoints(text)) {
            int b = ByteLevel.charToByte(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder sb = new StringBuilder("[UNK_BYTE_0x");
                for (byte x : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) sb.append(String.format("%02x", x & 0xFF));
                sb.append(text).append(']');
                out.writeBytes(utf8(sb.toString()));
            }
        }
        return out.toByteArray();
    }

    private byte[] renderedPiece(int id, boolean renderSpecial) {
        if (id < 0 || id >= tokens.length) throw new TesseraException("token id " + id + " out of range [0, " + tokens.length + ")");
        if (!renderSpecial && (attrs[id] & (TokenAttr.UNKNOWN | TokenAttr.CONTROL)) != 0) return new byte[0];
        return pieceBytes[id];
    }

    @Override
    public String decode(int[] ids, boolean renderSpecial) {
        return new String(decodeBytes(ids, renderSpecial), StandardCharsets.UTF_8);
    }

    /** llama.cpp's detokenize (remove_special = false) as raw bytes. */
    public byte[] decodeBytes(int[] ids, boolean renderSpecial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean removeSpace = addSpacePrefix;
        for (int id : ids) {
            byte[] p = renderedPiece(id, renderSpecial);
            int off = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            removeSpace = false;
            out.write(p, off, p.length - off);
        }
        byte[] b = out.toByteArray();
        if (!cleanSpaces) return b;
        int n = SpaceCleaner.clean(b, b.length);
        return Arrays.copyOf(b, n);
    }

    @Override
    public StreamingDetokenizer streamingDetokenizer(boolean renderSpecial) {
        return new StreamingDetokenizer(id -> renderedPiece(id, renderSpecial), addSpacePrefix, cleanSpaces);
    }

    @Override
    public byte[] tokenBytes(int id) {
        return renderedPiece(id, true).clone();
    }

    @Override
    public String piece(int id) {
        if (id < 0 || id >= tokens.length) throw new TesseraException("token id " + id + " out of range [0, " + tokens.length + ")");
        return tokens[id];
    }

    // ================================================================ vocabulary facts

    public Type type() { return type; }

    @Override public int vocabSize() { return tokens.length; }
    @Override public int bos() { return bos; }
    @Override public int eos() { return eos; }
    public int unk() { return unk; }
    public int sep() { return sep; }
    public boolean addBos() { return addBos; }
    public boolean addEos() { return addEos; }

    @Override
    public boolean isEog(int id) {
        return id >= 0 && id < eog.length && eog[id];
    }

    /** The id of a token with exactly this text, or -1. */
    public int tokenId(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    public int attr(int id) {
        return attrs[id];
    }

    public float score(int id) {
        return scores[id];
    }

    // ================================================================ builder

    public static Builder builder(Type type, String[] tokens) {
        return new Builder(type, tokens);
    }

    /** Everything a tokenizer is made of; unset ids are -1 (none). */
    public static final class Builder {
        private final Type type;
        private final String[] tokens;
        private float[] scores;
        private int[] attrs;
        private String[] merges;
        private List<String> preTokenizer;
        private int bos = -1, eos = -1, unk = -1, sep = -1;
        private int[] eog;
        private boolean addBos, addEos, addSpacePrefix, cleanSpaces, ignoreMerges;
        private boolean lowercase = true, stripAccents = true;

        private Builder(Type type, String[] tokens) {
            if (type == null || tokens == null) throw new IllegalArgumentException("type and tokens are required");
            this.type = type;
            this.tokens = tokens;
        }

        public Builder scores(float[] v) { this.scores = v; return this; }
        /** Per-token {@link TokenAttr} bits. */
        public Builder attrs(int[] v) { this.attrs = v; return this; }
        public Builder merges(String[] v) { this.merges = v; return this; }
        /** The pre-tokenizer regexes (BPE), applied in order. */
        public Builder preTokenizer(List<String> regexes) { this.preTokenizer = regexes; return this; }
        public Builder bos(int id) { this.bos = id; return this; }
        public Builder eos(int id) { this.eos = id; return this; }
        public Builder unk(int id) { this.unk = id; return this; }
        public Builder sep(int id) { this.sep = id; return this; }
        /** End-of-generation ids. */
        public Builder eog(int... ids) { this.eog = ids; return this; }
        public Builder addBos(boolean v) { this.addBos = v; return this; }
        public Builder addEos(boolean v) { this.addEos = v; return this; }
        public Builder addSpacePrefix(boolean v) { this.addSpacePrefix = v; return this; }
        public Builder cleanSpaces(boolean v) { this.cleanSpaces = v; return this; }
        /** BPE: a pre-tokenized word that is itself a token is not merged. */
        public Builder ignoreMerges(boolean v) { this.ignoreMerges = v; return this; }
        /** WPM normalizer: lowercase and strip accents (both default true). */
        public Builder normalizer(boolean lowercase, boolean stripAccents) {
            this.lowercase = lowercase;
            this.stripAccents = stripAccents;
            return this;
        }

        public LlamaTokenizer build() {
            return new LlamaTokenizer(this);
        }
    }
}
