package io.tessera.tokenizer.hf;

import java.text.Normalizer;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;

/**
 * Unicode normalization with Hugging Face's alignments. Hugging Face runs the crate
 * unicode-normalization-alignments, which tags each output char with a change: a decomposition's
 * first char 0 and the others +1, a composed char the sum of its parts' changes minus one per
 * composition. Walking the input, a char with change {@code <= 0} takes the range of the current
 * input char and consumes it and {@code -change} more; a char with change {@code > 0} takes the
 * range of the input char before. So a composed char aligns with the first char it came from, and
 * the chars of a decomposition all align with the decomposed char.
 *
 * <p>Text is done chunk by chunk (a starter and what follows it); a chunk that does not change keeps
 * its alignments. The canonical combining classes come from {@link Normalizer} itself (probing how
 * it orders marks), so the text always equals the JDK's normalization of the whole.
 */
final class AlignedNormalization {
    private AlignedNormalization() {}

    static NormalizedString normalize(NormalizedString s, Form form) {
        String t = s.text;
        String whole = Normalizer.normalize(t, form);
        NormalizedString.Builder b = new NormalizedString.Builder(whole.length());
        int i = 0;
        while (i < t.length()) {
            int j = i + Character.charCount(t.codePointAt(i));
            while (j < t.length() && !startsChunk(t.codePointAt(j))) j += Character.charCount(t.codePointAt(j));
            if (Normalizer.isNormalized(t.substring(i, j), form)) b.appendRange(s, i, j);
            else transform(s, i, j, form, b);
            i = j;
        }
        NormalizedString out = b.build();
        if (out.text.equals(whole)) return out;
        // a composition across chunks (two starters): the whole text at once
        b = new NormalizedString.Builder(whole.length());
        transform(s, 0, t.length(), form, b);
        out = b.build();
        if (out.text.equals(whole)) return out;
        b = new NormalizedString.Builder(whole.length());
        int os = s.origStart(), oe = s.end.length == 0 ? os : s.end[s.end.length - 1];
        for (int k = 0; k < whole.length(); k++) b.append(whole.charAt(k), os, oe);
        return b.build();
    }

    /** Starts a new chunk: not a mark, not a Hangul medial/final jamo (which compose with what precedes). */
    private static boolean startsChunk(int cp) {
        int t = Character.getType(cp);
        if (t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK) return false;
        return !(cp >= 0x1160 && cp <= 0x11FF) && !(cp >= 0xD7B0 && cp <= 0xD7FF);
    }

    /** Normalizes {@code s.text[from, to)} with the crate's changes, appending chars and alignments. */
    private static void transform(NormalizedString s, int from, int to, Form form, NormalizedString.Builder b) {
        String t = s.text;
        boolean compat = form == Form.NFKC || form == Form.NFKD;
        boolean compose = form == Form.NFC || form == Form.NFKC;
        // decomposition, marks in canonical order (a stable sort moving each mark with its change)
        List<int[]> dec = new ArrayList<>(); // {char, change}
        int pending = 0; // start of the marks not yet ordered
        List<Integer> inputStarts = new ArrayList<>();
        for (int i = from; i < to; ) {
            int cp = t.codePointAt(i);
            inputStarts.add(i);
            String d = Normalizer.normalize(Character.toString(cp), compat ? Form.NFKD : Form.NFD);
            boolean first = true;
            for (int k = 0; k < d.length(); ) {
                int c = d.codePointAt(k);
                if (ccc0(c)) {
                    order(dec, pending);
                    pending = dec.size() + 1;
                }
                dec.add(new int[] {c, first ? 0 : 1});
                first = false;
                k += Character.charCount(c);
            }
            i += Character.charCount(cp);
        }
        order(dec, pending);
        List<int[]> out = compose ? recompose(dec) : dec;
        // Hugging Face's transform: walk the input by code point
        int idx = 0;
        for (int[] o : out) {
            int at = o[1] > 0 ? Math.max(0, idx - 1) : Math.min(idx, inputStarts.size() - 1);
            int ci = inputStarts.get(at);
            b.appendCodePoint(o[0], s.start[ci], s.end[ci]);
            if (o[1] <= 0) idx += 1 - o[1];
        }
    }

    /** Stable sort of {@code dec[from..]} by combining class (all non-zero). */
    private static void order(List<int[]> dec, int from) {
        for (int i = from + 1; i < dec.size(); i++) {
            int[] x = dec.get(i);
            int j = i;
            while (j > from && cccLess(x[0], dec.get(j - 1)[0])) {
                dec.set(j, dec.get(j - 1));
                j--;
            }
            dec.set(j, x);
        }
    }

    /** The crate's Recompositions over (char, change) pairs. */
    private static List<int[]> recompose(List<int[]> dec) {
        List<int[]> out = new ArrayList<>(dec.size());
        List<int[]> buffer = new ArrayList<>();
        int[] composee = null;
        int last = -1; // the last mark kept apart since the composee, or -1
        for (int[] d : dec) {
            int ch = d[0];
            boolean zero = ccc0(ch);
            if (composee == null) {
                if (zero) composee = d;
                else out.add(d);
                continue;
            }
            if (last >= 0 && (zero || !cccLess(last, ch))) { // blocked from the composee
                if (zero) {
                    out.add(composee);
                    out.addAll(buffer);
                    buffer.clear();
                    composee = d;
                    last = -1;
                } else {
                    buffer.add(d);
                    last = ch;
                }
                continue;
            }
            int r = compose(composee[0], ch);
            if (r >= 0) {
                composee = new int[] {r, composee[1] + d[1] - 1};
            } else if (zero) { // here nothing is buffered
                out.add(composee);
                composee = d;
            } else {
                buffer.add(d);
                last = ch;
            }
        }
        if (composee != null) out.add(composee);
        out.addAll(buffer);
        return out;
    }

    /** The primary composite of {@code a} and {@code b}, or -1. */
    private static int compose(int a, int b) {
        String pair = Character.toString(a) + Character.toString(b);
        String c = Normalizer.normalize(pair, Form.NFC);
        if (c.codePointCount(0, c.length()) != 1) return -1;
        String nfd = Normalizer.normalize(Character.toString(a), Form.NFD) + Normalizer.normalize(Character.toString(b), Form.NFD);
        return Normalizer.normalize(c, Form.NFD).equals(nfd) ? c.codePointAt(0) : -1;
    }

    /** Canonical combining class 0 (only marks have another; the JDK's normalizer reorders those). */
    private static boolean ccc0(int c) {
        int t = Character.getType(c);
        if (t != Character.NON_SPACING_MARK && t != Character.COMBINING_SPACING_MARK) return true;
        // U+0334 has class 1, U+0345 class 240: a mark of another class moves past one of them
        return !moves("a" + Character.toString(c) + "\u0334") && !moves("a\u0345" + Character.toString(c));
    }

    /** Whether the combining class of {@code a} is below that of {@code b} (both non-zero). */
    private static boolean cccLess(int a, int b) {
        return moves("a" + Character.toString(b) + Character.toString(a));
    }

    private static boolean moves(String s) {
        return !Normalizer.normalize(s, Form.NFD).equals(s);
    }
}
