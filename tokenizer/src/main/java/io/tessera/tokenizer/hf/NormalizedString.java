package io.tessera.tokenizer.hf;

import java.util.Arrays;

/**
 * A piece of text under normalization, as Hugging Face's NormalizedString: the current text and, for
 * each of its UTF-16 chars, the range {@code [start, end)} of original-input chars it came from.
 * Immutable; every transformation returns a new instance (or this one when nothing changes).
 */
public final class NormalizedString {
    final String text;
    final int[] start;
    final int[] end;

    NormalizedString(String text, int[] start, int[] end) {
        this.text = text;
        this.start = start;
        this.end = end;
    }

    /** The original text {@code s}, whose first char is at original offset {@code base}. */
    public static NormalizedString of(String s, int base) {
        int n = s.length();
        int[] st = new int[n], en = new int[n];
        for (int i = 0; i < n; i++) {
            st[i] = base + i;
            en[i] = base + i + 1;
        }
        // a surrogate pair maps to the pair as a whole
        for (int i = 0; i + 1 < n; i++) {
            if (Character.isHighSurrogate(s.charAt(i)) && Character.isLowSurrogate(s.charAt(i + 1))) {
                en[i] = base + i + 2;
                st[i + 1] = base + i;
                i++;
            }
        }
        return new NormalizedString(s, st, en);
    }

    public String text() {
        return text;
    }

    public int length() {
        return text.length();
    }

    public boolean isEmpty() {
        return text.isEmpty();
    }

    /** Original offset where normalized char range {@code [from, to)} starts. */
    int origStart(int from, int to) {
        return from < to ? start[from] : (from < start.length ? start[from] : (start.length > 0 ? end[start.length - 1] : 0));
    }

    int origEnd(int from, int to) {
        return from < to ? end[to - 1] : origStart(from, to);
    }

    /** Original offsets covered by the whole string (start, end); (0, 0) when empty. */
    int origStart() {
        return text.isEmpty() ? 0 : start[0];
    }

    public NormalizedString slice(int from, int to) {
        if (from == 0 && to == text.length()) return this;
        return new NormalizedString(text.substring(from, to), Arrays.copyOfRange(start, from, to), Arrays.copyOfRange(end, from, to));
    }

    /** Builds a new normalized string char by char, each char carrying an original range. */
    static final class Builder {
        private final StringBuilder sb;
        private int[] st, en;

        Builder(int capacity) {
            sb = new StringBuilder(capacity);
            st = new int[Math.max(4, capacity)];
            en = new int[Math.max(4, capacity)];
        }

        void append(char c, int s, int e) {
            int n = sb.length();
            if (n == st.length) {
                st = Arrays.copyOf(st, n * 2);
                en = Arrays.copyOf(en, n * 2);
            }
            sb.append(c);
            st[n] = s;
            en[n] = e;
        }

        void appendCodePoint(int cp, int s, int e) {
            if (cp < 0x10000) {
                append((char) cp, s, e);
            } else {
                append(Character.highSurrogate(cp), s, e);
                append(Character.lowSurrogate(cp), s, e);
            }
        }

        void append(CharSequence str, int s, int e) {
            for (int i = 0; i < str.length(); i++) append(str.charAt(i), s, e);
        }

        /** Appends chars {@code [from, to)} of {@code ns} with their alignments. */
        void appendRange(NormalizedString ns, int from, int to) {
            for (int i = from; i < to; i++) append(ns.text.charAt(i), ns.start[i], ns.end[i]);
        }

        int length() {
            return sb.length();
        }

        NormalizedString build() {
            int n = sb.length();
            return new NormalizedString(sb.toString(), Arrays.copyOf(st, n), Arrays.copyOf(en, n));
        }
    }

    /** Code point to replacement text. */
    @FunctionalInterface
    interface CodePointMap {
        /** The replacement of {@code cp}: null keeps it, "" removes it. */
        String map(int cp);
    }

    /** Replaces each code point by {@code f(cp)}; the new chars align with the code point's original range. */
    NormalizedString mapCodePoints(CodePointMap f) {
        Builder b = null;
        int n = text.length();
        for (int i = 0; i < n; ) {
            int cp = text.codePointAt(i);
            int cl = Character.charCount(cp);
            String r = f.map(cp);
            if (r != null && b == null) {
                b = new Builder(n + 8);
                b.appendRange(this, 0, i);
            }
            if (b != null) {
                if (r == null) b.appendRange(this, i, i + cl);
                else b.append(r, start[i], end[i + cl - 1]);
            }
            i += cl;
        }
        return b == null ? this : b.build();
    }

    /** Adds {@code s} before the text, aligned with the first char's range. */
    NormalizedString prepend(String s) {
        if (s.isEmpty() || text.isEmpty()) return this;
        Builder b = new Builder(text.length() + s.length());
        b.append(s, start[0], end[0]);
        b.appendRange(this, 0, text.length());
        return b.build();
    }

    /** Replaces each match range {@code [m[2k], m[2k+1])} by {@code content}, aligned with the match's range. */
    NormalizedString replaceRanges(int[] m, int count, String content) {
        if (count == 0) return this;
        Builder b = new Builder(text.length() + 8);
        int prev = 0;
        for (int k = 0; k < count; k++) {
            int ms = m[2 * k], me = m[2 * k + 1];
            b.appendRange(this, prev, ms);
            if (me > ms) b.append(content, start[ms], end[me - 1]);
            prev = me;
        }
        b.appendRange(this, prev, text.length());
        return b.build();
    }
}
