package io.tessera.tokenizer.hf;

import io.tessera.tokenizer.ByteLevel;
import io.tessera.tokenizer.BytesMap;
import io.tessera.tokenizer.PieceEncoder;
import io.tessera.tokenizer.Utf8;

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
    private final int[] byteIds = new int[256];
    private final PieceEncoder pieces;

    private FastByteLevel(boolean nfc, HfPattern pattern, boolean keepMatches, boolean keepGaps, Models.Bpe bpe) {
        this.nfc = nfc;
        this.pattern = pattern;
        this.keepMatches = keepMatches;
        this.keepGaps = keepGaps;
        BytesMap vocab = new BytesMap(bpe.vocab.size());
        for (Map.Entry<String, Integer> e : bpe.vocab.entrySet()) {
            byte[] b = Decoders.byteLevelBytes(e.getKey());
            vocab.put(b, e.getValue());
        }
        for (int b = 0; b < 256; b++) byteIds[b] = bpe.vocab.getOrDefault(String.valueOf(ByteLevel.byteToChar(b)), -1);
        pieces = new PieceEncoder(vocab, bpe.ignoreMerges, byteIds, bpe.merger);
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
        int[][] ids = {new int[16]};
        split(seg, (b, n) -> {
            if (ids[0].length < n) ids[0] = new int[n + 16];
            int m = pieces.encode(b, n, ids[0]);
            for (int i = 0; i < m; i++) out.add(ids[0][i], 0, 0, 0, 0, 1);
        });
    }

    /** The pre-tokenized words of one segment as byte-level strings (what a trainer counts). */
    void words(String seg, java.util.function.Consumer<String> out) {
        split(seg, (b, n) -> {
            char[] c = new char[n];
            for (int i = 0; i < n; i++) c[i] = ByteLevel.byteToChar(b[i]);
            out.accept(new String(c));
        });
    }

    /** Receives each piece's UTF-8 bytes {@code utf8[0, n)} (the buffer is reused). */
    private interface PieceSink {
        void accept(byte[] utf8, int n);
    }

    /** Normalizes (NFC when configured) and splits a segment, passing the kept pieces in order. */
    private void split(String seg, PieceSink sink) {
        if (nfc && !nfcStable(seg)) seg = java.text.Normalizer.normalize(seg, java.text.Normalizer.Form.NFC);
        HfPattern.IntBuf m = new HfPattern.IntBuf();
        int k = pattern.find(seg, m);
        byte[][] buf = {new byte[64]};
        int prev = 0;
        for (int i = 0; i < k; i++) {
            int s = m.a[2 * i], e = m.a[2 * i + 1];
            if (s > prev && keepGaps) emit(seg, prev, s, buf, sink);
            if (e > s && keepMatches) emit(seg, s, e, buf, sink);
            prev = e;
        }
        if (prev < seg.length() && keepGaps) emit(seg, prev, seg.length(), buf, sink);
    }

    private static void emit(String s, int from, int to, byte[][] buf, PieceSink sink) {
        if ((to - from) * 3 > buf[0].length) buf[0] = new byte[(to - from) * 3 + 16];
        sink.accept(buf[0], Utf8.encode(s, from, to, buf[0]));
    }

    /** Characters below U+0300 never change under NFC. */
    private static boolean nfcStable(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x300) return java.text.Normalizer.isNormalized(s, java.text.Normalizer.Form.NFC);
        return true;
    }
}
