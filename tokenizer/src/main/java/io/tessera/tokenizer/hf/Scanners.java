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

    static HfPattern forRegex(String re) {
        if (re.equals(CL100K)) return new Cl100k(3);
        if (re.equals(QWEN)) return new Cl100k(1);
        return null;
    }

    // character classes
    static final byte OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3, NEWLINE = 4;
    private static final byte[] BMP = new byte[65536];

    static {
        for (int c = 0; c < 65536; c++) BMP[c] = classify(c);
    }

    private static byte classify(int cp) {
        if (cp == '\r' || cp == '\n') return NEWLINE;
        if (io.tessera.tokenizer.Unicode.isWhitespace(cp)) return SPACE;
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    static int cls(int cp) {
        return cp < 65536 ? BMP[cp] : classify(cp);
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
                    end = i;
                    for (int k = 0; k < maxDigits && end < n; k++) {
                        int d = s.codePointAt(end);
                        if (cls(d) != NUMBER) break;
                        end += Character.charCount(d);
                    }
                } else if (cl == OTHER || (c == ' ' && i + 1 < n && cls(s.codePointAt(i + 1)) == OTHER)) {
                    end = run(s, c == ' ' ? i + 1 : i, n, OTHER);
                    while (end < n && (s.charAt(end) == '\r' || s.charAt(end) == '\n')) end++;
                } else {
                    // whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
                    int j = i;
                    int lastNl = -1;
                    while (j < n) {
                        int d = s.codePointAt(j);
                        int dc = cls(d);
                        if (dc != SPACE && dc != NEWLINE) break;
                        if (dc == NEWLINE) lastNl = j;
                        j += Character.charCount(d);
                    }
                    if (lastNl >= 0) end = lastNl + 1;
                    else if (j == n) end = j;
                    else {
                        int back = j - Character.charCount(s.codePointBefore(j));
                        end = back > i ? back : j;
                    }
                }
                out.add(i, end);
                count++;
                i = end;
            }
            return count;
        }

        private static int run(String s, int i, int n, int want) {
            while (i < n) {
                int d = s.codePointAt(i);
                if (cls(d) != want) break;
                i += Character.charCount(d);
            }
            return i;
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
