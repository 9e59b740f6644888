package io.tessera.tokenizer.hf;

import io.tessera.tokenizer.ByteLevel;
import io.tessera.tokenizer.BpeMerger;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Ids-only encoding for the common byte-level BPE pipeline (optional NFC, a Split regex and/or
 * ByteLevel, BPE without byte fallback or affixes): pieces are encoded straight from their UTF-8
 * bytes with a byte-string vocabulary and a shared piece cache, with the same BPE core and therefore
 * the same ids as the general pipeline, without building aligned normalized strings.
 */
final class FastByteLevel {
    private final boolean nfc;
    private final HfPattern pattern;
    private final boolean keepMatches, keepGaps;
    private final boolean ignoreMerges;
    private final BpeMerger merger;
    private final int[] byteIds = new int[256];
    private final BytesVocab vocab;
    private final Entry[] cache = new Entry[1 << 16];

    private record Entry(byte[] key, int[] ids) {}

    private FastByteLevel(boolean nfc, HfPattern pattern, boolean keepMatches, boolean keepGaps, Models.Bpe bpe) {
        this.nfc = nfc;
        this.pattern = pattern;
        this.keepMatches = keepMatches;
        this.keepGaps = keepGaps;
        this.ignoreMerges = bpe.ignoreMerges;
        this.merger = bpe.merger;
        vocab = new BytesVocab(bpe.vocab.size());
        for (Map.Entry<String, Integer> e : bpe.vocab.entrySet()) {
            byte[] b = Decoders.byteLevelBytes(e.getKey());
            vocab.put(b, e.getValue());
        }
        for (int b = 0; b < 256; b++) byteIds[b] = bpe.vocab.getOrDefault(String.valueOf(ByteLevel.byteToChar(b)), -1);
    }

    /** The fast path for this pipeline, or null when its shape is not the supported one. */
    static FastByteLevel of(Normalizers.Normalizer norm, PreTokenizers.PreTokenizer pre, Models.Model model, AddedVocabulary added) {
        if (!(model instanceof Models.Bpe bpe)) return null;
        if (bpe.byteFallback || bpe.prefix != null || bpe.suffix != null || added.hasNormalized()) return null;
        boolean nfc;
        if (norm == null) nfc = false;
        else if (norm instanceof Normalizers.Unicode u && u.form() == java.text.Normalizer.Form.NFC) nfc = true;
        else return null;
        HfPattern pattern;
        boolean keepMatches = true, keepGaps = true;
        if (pre instanceof PreTokenizers.ByteLevelPre b && !b.addPrefixSpace() && b.useRegex()) {
            pattern = PreTokenizers.GPT2_PATTERN;
        } else if (pre instanceof PreTokenizers.SequencePre seq && seq.list().size() == 2
                && seq.list().get(0) instanceof PreTokenizers.Split sp
                && seq.list().get(1) instanceof PreTokenizers.ByteLevelPre b && !b.addPrefixSpace() && !b.useRegex()) {
            pattern = sp.pattern();
            switch (sp.behavior()) {
                case ISOLATED -> { }
                case REMOVED -> {
                    keepMatches = sp.invert();
                    keepGaps = !sp.invert();
                }
                default -> {
                    return null;
                }
            }
        } else {
            return null;
        }
        FastByteLevel f = new FastByteLevel(nfc, pattern, keepMatches, keepGaps, bpe);
        for (int id : f.byteIds) if (id < 0) return null;
        return f;
    }

    /** Appends the ids of one segment (text between added tokens). */
    void encode(String seg, Seq out) {
        if (nfc && !nfcStable(seg)) seg = java.text.Normalizer.normalize(seg, java.text.Normalizer.Form.NFC);
        HfPattern.IntBuf m = new HfPattern.IntBuf();
        int k = pattern.find(seg, m);
        byte[] buf = new byte[64];
        int prev = 0;
        for (int i = 0; i < k; i++) {
            int s = m.a[2 * i], e = m.a[2 * i + 1];
            if (s > prev && keepGaps) buf = piece(seg, prev, s, buf, out);
            if (e > s && keepMatches) buf = piece(seg, s, e, buf, out);
            prev = e;
        }
        if (prev < seg.length() && keepGaps) piece(seg, prev, seg.length(), buf, out);
    }

    /** The pre-tokenized words of one segment as byte-level strings (what a trainer counts). */
    void words(String seg, java.util.function.Consumer<String> out) {
        if (nfc && !nfcStable(seg)) seg = java.text.Normalizer.normalize(seg, java.text.Normalizer.Form.NFC);
        HfPattern.IntBuf m = new HfPattern.IntBuf();
        int k = pattern.find(seg, m);
        byte[] buf = new byte[64];
        int prev = 0;
        for (int i = 0; i < k; i++) {
            int s = m.a[2 * i], e = m.a[2 * i + 1];
            if (s > prev && keepGaps) buf = word(seg, prev, s, buf, out);
            if (e > s && keepMatches) buf = word(seg, s, e, buf, out);
            prev = e;
        }
        if (prev < seg.length() && keepGaps) word(seg, prev, seg.length(), buf, out);
    }

    private static byte[] word(String s, int from, int to, byte[] buf, java.util.function.Consumer<String> out) {
        if ((to - from) * 3 > buf.length) buf = new byte[(to - from) * 3 + 16];
        int n = utf8(s, from, to, buf);
        char[] c = new char[n];
        for (int i = 0; i < n; i++) c[i] = ByteLevel.byteToChar(buf[i]);
        out.accept(new String(c));
        return buf;
    }

    /** Characters below U+0300 never change under NFC. */
    private static boolean nfcStable(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x300) return java.text.Normalizer.isNormalized(s, java.text.Normalizer.Form.NFC);
        return true;
    }

    private byte[] piece(String s, int from, int to, byte[] buf, Seq out) {
        if ((to - from) * 3 > buf.length) buf = new byte[(to - from) * 3 + 16];
        int n = utf8(s, from, to, buf);
        if (ignoreMerges) {
            int id = vocab.get(buf, 0, n);
            if (id >= 0) {
                out.add(id, 0, 0, 0, 0, 1);
                return buf;
            }
        }
        int slot = -1;
        if (n <= 48) {
            slot = BytesVocab.hash(buf, 0, n) & (cache.length - 1);
            Entry e = cache[slot];
            if (e != null && e.key.length == n && Arrays.equals(e.key, 0, n, buf, 0, n)) {
                for (int id : e.ids) out.add(id, 0, 0, 0, 0, 1);
                return buf;
            }
        }
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = byteIds[buf[i] & 0xFF];
        int m = merger.merge(ids, n);
        for (int i = 0; i < m; i++) out.add(ids[i], 0, 0, 0, 0, 1);
        if (slot >= 0) cache[slot] = new Entry(Arrays.copyOf(buf, n), Arrays.copyOf(ids, m));
        return buf;
    }

    static int utf8(String s, int from, int to, byte[] b) {
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

    /** Open-addressing map from byte strings to ids. */
    static final class BytesVocab {
        private final byte[][] keys;
        private final int[] vals;
        private final int mask;

        BytesVocab(int expected) {
            int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
            keys = new byte[cap][];
            vals = new int[cap];
            mask = cap - 1;
        }

        static int hash(byte[] b, int off, int len) {
            int h = 0x811C9DC5 ^ len;
            for (int i = off; i < off + len; i++) h = (h ^ (b[i] & 0xFF)) * 0x01000193;
            return h ^ (h >>> 15);
        }

        void put(byte[] k, int v) {
            for (int i = hash(k, 0, k.length) & mask; ; i = (i + 1) & mask) {
                if (keys[i] == null) {
                    keys[i] = k;
                    vals[i] = v;
                    return;
                }
                if (Arrays.equals(keys[i], k)) return;
            }
        }

        int get(byte[] b, int off, int len) {
            for (int i = hash(b, off, len) & mask; ; i = (i + 1) & mask) {
                byte[] k = keys[i];
                if (k == null) return -1;
                if (k.length == len && Arrays.equals(k, 0, len, b, off, off + len)) return vals[i];
            }
        }
    }
}
