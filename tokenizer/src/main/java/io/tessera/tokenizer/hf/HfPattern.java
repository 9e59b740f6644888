package io.tessera.tokenizer.hf;

import io.tessera.tokenizer.RegexSplitter;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A Hugging Face pattern: a literal string or an Oniguruma regex, run with Unicode semantics
 * ({@code \s} is White_Space, {@code \w}/{@code \d} are Unicode, {@code (?i)} folds Unicode case).
 * Finds non-overlapping matches, leftmost first. Known tokenizer regexes run as hand-written
 * scanners that produce the same matches.
 */
public abstract class HfPattern {
    /** Writes match ranges {@code [s, e)} of {@code text} as pairs into {@code out}; returns the pair count. */
    public abstract int find(String text, IntBuf out);

    static HfPattern literal(String s) {
        return new Literal(s);
    }

    public static HfPattern regex(String re, String path) {
        HfPattern fast = Scanners.forRegex(re);
        if (fast != null) return fast;
        try {
            return new Regex(Pattern.compile(translate(re), Pattern.UNICODE_CHARACTER_CLASS));
        } catch (PatternSyntaxException e) {
            throw Json.error(path, "invalid regex: " + e.getDescription());
        }
    }

    /**
     * Oniguruma syntax to java.util.regex. They agree on what tokenizer files use (classes, nested
     * classes, \\p{..}, lookahead, (?i:..)); a ']' right after '[' or '[^' is a literal in both but Java
     * wants it escaped, and Oniguruma's \\h is a hex digit.
     */
    static String translate(String re) {
        StringBuilder sb = new StringBuilder(re.length() + 8);
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\' && i + 1 < re.length()) {
                char d = re.charAt(++i);
                if (d == 'h') sb.append("[0-9a-fA-F]");
                else if (d == 'H') sb.append("[^0-9a-fA-F]");
                else sb.append(c).append(d);
            } else if (c == '[') {
                sb.append(c);
                if (i + 1 < re.length() && re.charAt(i + 1) == '^') sb.append(re.charAt(++i));
                if (i + 1 < re.length() && re.charAt(i + 1) == ']') {
                    sb.append("\\]");
                    i++;
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static final class Literal extends HfPattern {
        final String s;

        Literal(String s) {
            this.s = s;
        }

        @Override
        public int find(String text, IntBuf out) {
            if (s.isEmpty()) return 0;
            int n = 0;
            for (int i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + s.length())) {
                out.add(i, i + s.length());
                n++;
            }
            return n;
        }
    }

    static final class Regex extends HfPattern {
        final Pattern p;

        Regex(Pattern p) {
            this.p = p;
        }

        @Override
        public int find(String text, IntBuf out) {
            Matcher m = p.matcher(text);
            int n = 0;
            while (m.find()) {
                out.add(m.start(), m.end());
                n++;
            }
            return n;
        }
    }

    /** A growable int buffer for match ranges. */
    public static final class IntBuf {
        public int[] a = new int[32];
        public int n;

        void add(int s, int e) {
            if (n + 2 > a.length) a = java.util.Arrays.copyOf(a, a.length * 2);
            a[n++] = s;
            a[n++] = e;
        }

        public void clear() {
            n = 0;
        }
    }

    static final String GPT2 = RegexSplitter.GPT2;
}
