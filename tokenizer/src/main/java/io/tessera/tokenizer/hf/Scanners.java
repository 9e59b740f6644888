package io.tessera.tokenizer.hf;

/**
 * Hand-written scanners for the split regexes of well-known tokenizers, giving the same matches as
 * the regex (with Unicode classes: {@code \s} is White_Space, {@code \p{L}} the L* categories) in one
 * pass without backtracking. Checked against java.util.regex on the shared corpora.
 */
final class Scanners {
    private Scanners() {}

    static final String CL100K = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    static final String O200K = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    static HfPattern forRegex(String re) {
        if (re.equals(CL100K)) return new Cl100k(3);
        if (re.equals(QWEN)) return new Cl100k(1);
        if (re.equals(O200K)) return new O200k();
        return null;
    }

    // o200k kinds
    static final byte K_UP = 0, K_LO = 1, K_LM = 2, K_MARK = 3, K_NUM = 4, K_WS = 5, K_NL = 6, K_OTH = 7;
    // cl100k character classes, and the class of each kind
    static final byte OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3, NEWLINE = 4;
    private static final byte[] CLASS_OF_KIND = {LETTER, LETTER, LETTER, OTHER, NUMBER, SPACE, NEWLINE, OTHER};
    private static final byte[] KIND = new byte[65536], BMP = new byte[65536];

    static {
        for (int c = 0; c < 65536; c++) {
            KIND[c] = kindOf(c);
            BMP[c] = CLASS_OF_KIND[KIND[c]];
        }
    }

    private static byte kindOf(int cp) {
        if (cp == '\r' || cp == '\n') return K_NL;
        if (io.tessera.tokenizer.Unicode.isWhitespace(cp)) return K_WS;
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.TITLECASE_LETTER -> K_UP;
            case Character.LOWERCASE_LETTER -> K_LO;
            case Character.MODIFIER_LETTER, Character.OTHER_LETTER -> K_LM;
            case Character.NON_SPACING_MARK, Character.COMBINING_SPACING_MARK, Character.ENCLOSING_MARK -> K_MARK;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> K_NUM;
            default -> K_OTH;
        };
    }

    static int kind(int cp) {
        return cp < 65536 ? KIND[cp] : kindOf(cp);
    }

    /**
     * The o200k_base regex. Its first two alternatives, {@code P? U* W+ C?} and {@code P? U+ W* C?}
     * (P: not CR/LF/letter/number; U: Lu Lt Lm Lo M; W: Ll Lm Lo M; C: a contraction), are resolved as
     * the backtracking engine does: U* gives back characters until a W character follows.
     */
    static final class O200k extends HfPattern {
        private static boolean isU(int k) { return k == K_UP || k == K_LM || k == K_MARK; }
        private static boolean isW(int k) { return k == K_LO || k == K_LM || k == K_MARK; }
        private static boolean isP(int k) { return k == K_MARK || k == K_WS || k == K_OTH; }

        /** {@code U* W+ C?} from st: end or -1. */
        private static int a1(String s, int st, int n) {
            int a = st, lastBoth = -1;
            while (a < n) {
                int c = s.codePointAt(a);
                int k = kind(c);
                if (!isU(k)) break;
                if (isW(k)) lastBoth = a;
                a += Character.charCount(c);
            }
            int q;
            if (a < n && kind(s.codePointAt(a)) == K_LO) q = a;
            else if (lastBoth >= 0) q = lastBoth;
            else return -1;
            return contraction(s, wRun(s, q, n), n);
        }

        /** {@code U+ W* C?} from st: end or -1. */
        private static int a2(String s, int st, int n) {
            int a = st;
            while (a < n) {
                int c = s.codePointAt(a);
                if (!isU(kind(c))) break;
                a += Character.charCount(c);
            }
            if (a == st) return -1;
            return contraction(s, wRun(s, a, n), n);
        }

        private static int wRun(String s, int i, int n) {
            while (i < n) {
                int c = s.codePointAt(i);
                if (!isW(kind(c))) break;
                i += Character.charCount(c);
            }
            return i;
        }

        private static int contraction(String s, int e, int n) {
            if (e < n && s.charAt(e) == '\'') {
                int c = Cl100k.contractionEnd(s, e + 1, n);
                if (c > 0) return c;
            }
            return e;
        }

        @Override
        public int find(String s, IntBuf out) {
            int n = s.length();
            int count = 0;
            int i = 0;
            while (i < n) {
                int c = s.codePointAt(i);
                int k = kind(c);
                int len = Character.charCount(c);
                int end = -1;
                boolean p = isP(k);
                if (p && i + len < n) end = a1(s, i + len, n);
                if (end < 0) end = a1(s, i, n);
                if (end < 0 && p && i + len < n) end = a2(s, i + len, n);
                if (end < 0) end = a2(s, i, n);
                if (end < 0 && k == K_NUM) end = digits(s, i, n, 3);
                if (end < 0) end = punctuation(s, i, n, true);
                if (end < 0) end = whitespace(s, i, n);
                out.add(i, end);
                count++;
                i = end;
            }
            return count;
        }
    }

    static int cls(int cp) {
        return cp < 65536 ? BMP[cp] : CLASS_OF_KIND[kindOf(cp)];
    }

    // alternatives the cl100k and o200k regexes share (their character classes agree: OTHER is o200k's mark or other)

    /** End of {@code \p{N}{1,max}} at {@code i} (a number). */
    static int digits(String s, int i, int n, int max) {
        int end = i;
        for (int k = 0; k < max && end < n; k++) {
            int d = s.codePointAt(end);
            if (cls(d) != NUMBER) break;
            end += Character.charCount(d);
        }
        return end;
    }

    /**
     * End of {@code  ?[^\s\p{L}\p{N}]+[\r\n]*} at {@code i} (o200k: {@code [\r\n/]*}), or -1 when it
     * does not match there.
     */
    static int punctuation(String s, int i, int n, boolean slash) {
        int c = s.charAt(i);
        if (cls(s.codePointAt(i)) != OTHER && !(c == ' ' && i + 1 < n && cls(s.codePointAt(i + 1)) == OTHER)) return -1;
        int end = Cl100k.run(s, c == ' ' ? i + 1 : i, n, OTHER);
        while (end < n && (s.charAt(end) == '\r' || s.charAt(end) == '\n' || (slash && s.charAt(end) == '/'))) end++;
        return end;
    }

    /** End of {@code \s*[\r\n]+|\s+(?!\S)|\s+} at {@code i} (a space or line break). */
    static int whitespace(String s, int i, int n) {
        int j = i;
        int lastNl = -1;
        while (j < n) {
            int d = s.codePointAt(j);
            int dc = cls(d);
            if (dc != SPACE && dc != NEWLINE) break;
            if (dc == NEWLINE) lastNl = j;
            j += Character.charCount(d);
        }
        if (lastNl >= 0) return lastNl + 1;
        if (j == n) return j;
        int back = j - Character.charCount(s.codePointBefore(j));
        return back > i ? back : j;
    }

    /** The cl100k_base / LLaMA-3 regex, and Qwen's variant with single digits. */
    static final class Cl100k extends HfPattern {
        final int maxDigits;

        Cl100k(int maxDigits) {
            this.maxDigits = maxDigits;
        }

        @Override
        public int find(String s, IntBuf out) {
            int n = s.length();
            int count = 0;
            int i = 0;
            while (i < n) {
                int c = s.codePointAt(i);
                int cl = cls(c);
                int len = Character.charCount(c);
                int end;
                if (c == '\'' && (end = contraction(s, i + 1, n)) > 0) {
                    // 's 't 're 've 'm 'll 'd
                } else if (cl == LETTER) {
                    end = run(s, i + len, n, LETTER);
                } else if (cl != NUMBER && cl != NEWLINE && i + len < n && cls(s.codePointAt(i + len)) == LETTER) {
                    end = run(s, i + len, n, LETTER);
                } else if (cl == NUMBER) {
                    end = digits(s, i, n, maxDigits);
                } else if ((end = punctuation(s, i, n, false)) < 0) {
                    end = whitespace(s, i, n);
                }
                out.add(i, end);
                count++;
                i = end;
            }
            return count;
        }

        static int run(String s, int i, int n, int want) {
            while (i < n) {
                int d = s.codePointAt(i);
                if (cls(d) != want) break;
                i += Character.charCount(d);
            }
            return i;
        }

        static int contractionEnd(String s, int i, int n) {
            return contraction(s, i, n);
        }

        /** End of a contraction after the apostrophe at {@code i - 1}, or -1. */
        private static int contraction(String s, int i, int n) {
            if (i >= n) return -1;
            char a = s.charAt(i);
            if (isS(a) || eq(a, 't') || eq(a, 'm') || eq(a, 'd')) return i + 1;
            if (i + 1 >= n) return -1;
            char b = s.charAt(i + 1);
            if ((eq(a, 'r') && eq(b, 'e')) || (eq(a, 'v') && eq(b, 'e')) || (eq(a, 'l') && eq(b, 'l'))) return i + 2;
            return -1;
        }

        private static boolean eq(char c, char lower) {
            return c == lower || c == lower - 32;
        }

        private static boolean isS(char c) {
            return c == 's' || c == 'S' || c == '\u017F';
        }
    }
}
