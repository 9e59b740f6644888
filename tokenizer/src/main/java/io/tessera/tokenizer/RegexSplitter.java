package io.tessera.tokenizer;

import io.tessera.TesseraException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into pre-tokenizer words by a sequence of regexes, each applied to the pieces the
 * previous one produced, the way llama.cpp's {@code unicode_regex_split} does it: text between
 * matches is kept as a word of its own; the GPT-2 and LLaMA-3 regexes run as hand-written scanners;
 * any other regex that uses {@code \p{..}} classes runs on a "collapsed" text where each non-ASCII
 * code point is replaced by one marker character for its category (so {@code \p{L}} means
 * "ASCII letter or non-ASCII letter"), and other regexes run on the code points directly with
 * non-ASCII whitespace mapped to U+000B.
 */
public final class RegexSplitter {
    public static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    public static final String LLAMA3 =
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String LLAMA3_ORIGINAL =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final String[][] CATEGORIES = {
            // name, marker + ASCII members
            {"\\p{N}", "\u00D1" + "0-9"},
            {"\\p{L}", "\u00D2" + "A-Za-z"},
            {"\\p{P}", "\u00D3" + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"},
            {"\\p{M}", "\u00D4"},
            {"\\p{S}", "\u00D5" + "\\$\\+<->\\^`\\|"},
            {"\\p{Lu}", "\u00D2" + "A-Za-z"},
            {"\\p{Ll}", "\u00D2" + "A-Za-z"},
            {"\\p{Lt}", "\u00D2" + "A-Za-z"},
            {"\\p{Lm}", "\u00D2" + "A-Za-z"},
            {"\\p{Lo}", "\u00D2" + "A-Za-z"},
    };

    private sealed interface Step permits Custom, Generic {}

    private record Custom(boolean llama3) implements Step {}

    private record Generic(Pattern pattern, boolean collapsed) implements Step {}

    private final List<Step> steps = new ArrayList<>();
    private final List<String> regexes;

    public RegexSplitter(List<String> regexes) {
        this.regexes = List.copyOf(regexes);
        for (String re : regexes) {
            if (re.equals(GPT2)) {
                steps.add(new Custom(false));
            } else if (re.equals(LLAMA3) || re.equals(LLAMA3_ORIGINAL)) {
                steps.add(new Custom(true));
            } else {
                boolean collapsed = false;
                for (String[] c : CATEGORIES) if (re.contains(c[0])) collapsed = true;
                try {
                    steps.add(new Generic(Pattern.compile(translate(re, collapsed)), collapsed));
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new TesseraException("pre-tokenizer regex does not compile: " + e.getDescription() + ": " + re);
                }
            }
        }
    }

    public List<String> regexes() {
        return regexes;
    }

    /** The words of {@code text}, in order; their concatenation is the text (lone surrogates as U+FFFD). */
    public List<String> split(String text) {
        int[] cps = Unicode.codePoints(text);
        IntList offsets = new IntList(16);
        offsets.add(cps.length);
        String collapsed = null;
        WideText wide = null;
        for (Step step : steps) {
            IntList next = new IntList(offsets.size() * 2 + 4);
            switch (step) {
                case Custom c -> {
                    int start = 0;
                    for (int k = 0; k < offsets.size(); k++) {
                        int len = offsets.get(k);
                        if (c.llama3()) llama3(cps, start, start + len, next);
                        else gpt2(cps, start, start + len, next);
                        start += len;
                    }
                }
                case Generic g -> {
                    if (g.collapsed()) {
                        if (collapsed == null) collapsed = collapse(cps);
                        regexSplit(g.pattern(), collapsed, null, offsets, next);
                    } else {
                        if (wide == null) wide = new WideText(cps);
                        regexSplit(g.pattern(), wide.text, wide, offsets, next);
                    }
                }
            }
            offsets = next;
        }
        List<String> words = new ArrayList<>(offsets.size());
        int start = 0;
        for (int k = 0; k < offsets.size(); k++) {
            int len = offsets.get(k);
            if (len > 0) words.add(new String(cps, start, len));
            start += len;
        }
        return words;
    }

    // ---------------------------------------------------------------- generic regexes

    /** Code points with non-ASCII whitespace replaced by U+000B, and the char/code point index maps. */
    private static final class WideText {
        final String text;
        final int[] charOfCp;   // code point index -> char index (length n + 1)
        final int[] cpOfChar;   // char index -> code point index (length chars + 1)

        WideText(int[] cps) {
            int[] mapped = cps.clone();
            for (int i = 0; i < mapped.length; i++) {
                if (mapped[i] > 0x7F && Unicode.isWhitespace(mapped[i])) mapped[i] = 0x0B;
            }
            text = new String(mapped, 0, mapped.length);
            charOfCp = new int[cps.length + 1];
            cpOfChar = new int[text.length() + 1];
            int ch = 0;
            for (int i = 0; i < cps.length; i++) {
                charOfCp[i] = ch;
                cpOfChar[ch] = i;
                ch += Character.charCount(mapped[i]);
                if (ch - 1 > charOfCp[i]) cpOfChar[ch - 1] = i;
            }
            charOfCp[cps.length] = ch;
            cpOfChar[ch] = cps.length;
        }
    }

    private static String collapse(int[] cps) {
        char[] out = new char[cps.length];
        for (int i = 0; i < cps.length; i++) {
            int cp = cps[i];
            if (cp < 128) {
                out[i] = (char) cp;
                continue;
            }
            int f = Unicode.flags(cp);
            if ((f & Unicode.WHITESPACE) != 0) {
                out[i] = 0x0B;
            } else {
                out[i] = switch (f & Unicode.CATEGORY_MASK) {
                    case Unicode.NUMBER -> '\u00D1';
                    case Unicode.LETTER -> '\u00D2';
                    case Unicode.PUNCTUATION -> '\u00D3';
                    case Unicode.ACCENT_MARK -> '\u00D4';
                    case Unicode.SYMBOL -> '\u00D5';
                    default -> '\u00D0';
                };
            }
        }
        return new String(out);
    }

    private static void regexSplit(Pattern p, String text, WideText wide, IntList offsets, IntList out) {
        Matcher m = p.matcher(text);
        int start = 0;
        for (int k = 0; k < offsets.size(); k++) {
            int len = offsets.get(k);
            int from = wide == null ? start : wide.charOfCp[start];
            int to = wide == null ? start + len : wide.charOfCp[start + len];
            m.region(from, to);
            int prev = start;
            while (m.find()) {
                int ms = wide == null ? m.start() : wide.cpOfChar[m.start()];
                int me = wide == null ? m.end() : wide.cpOfChar[m.end()];
                if (me == ms) continue;
                if (ms > prev) out.add(ms - prev);
                out.add(me - ms);
                prev = me;
            }
            if (prev < start + len) out.add(start + len - prev);
            start += len;
        }
    }

    /**
     * Rewrites an ECMAScript-flavoured regex for java.util.regex: {@code \p{..}} categories become the
     * collapsed marker classes, {@code $} means end of input, and '[' / '&' inside a class are literal.
     */
    static String translate(String re, boolean collapse) {
        if (re.equals("\\s+$")) return "(?<!\\s)\\s+\\z"; // same matches, linear time on long blanks
        StringBuilder sb = new StringBuilder(re.length() + 32);
        boolean inside = false;
        for (int i = 0; i < re.length(); i++) {
            char ch = re.charAt(i);
            if (ch == '\\' && i + 1 < re.length()) {
                if (collapse && re.startsWith("\\p{", i)) {
                    int close = re.indexOf('}', i + 3);
                    if (close > 0) {
                        String pat = re.substring(i, close + 1);
                        String members = null;
                        for (String[] c : CATEGORIES) if (c[0].equals(pat)) members = c[1];
                        if (members != null) {
                            sb.append(inside ? members : "[" + members + "]");
                            i = close;
                            continue;
                        }
                    }
                }
                sb.append(ch).append(re.charAt(i + 1));
                i++;
                continue;
            }
            if (ch == '[') {
                if (inside) {
                    sb.append("\\[");
                } else {
                    inside = true;
                    sb.append('[');
                    if (i + 1 < re.length() && re.charAt(i + 1) == '^') {
                        sb.append('^');
                        i++;
                    }
                }
            } else if (ch == ']' && inside) {
                inside = false;
                sb.append(']');
            } else if (ch == '&' && inside) {
                sb.append("\\&");
            } else if (ch == '$' && !inside) {
                sb.append("\\z");
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- hand-written scanners

    private static int flagsAt(int[] cps, int pos, int end) {
        return pos < end ? Unicode.flags(cps[pos]) : 0;
    }

    private static final int WLN = Unicode.WHITESPACE | Unicode.LETTER | Unicode.NUMBER;

    /** {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
    private static void gpt2(int[] cps, int ini, int end, IntList out) {
        int prev = ini;
        int pos = ini;
        while (pos < end) {
            int c = cps[pos];
            int f = Unicode.flags(c);
            int cl = c == '\'' ? contraction(cps, pos, end, false) : 0;
            if (cl > 0) {
                pos += cl;
                prev = emit(out, prev, pos);
                continue;
            }
            int f2 = c == ' ' ? flagsAt(cps, pos + 1, end) : f;
            if ((f2 & Unicode.LETTER) != 0) {
                if (c == ' ') pos++;
                while ((flagsAt(cps, pos, end) & Unicode.LETTER) != 0) pos++;
                prev = emit(out, prev, pos);
                continue;
            }
            if ((f2 & Unicode.NUMBER) != 0) {
                if (c == ' ') pos++;
                while ((flagsAt(cps, pos, end) & Unicode.NUMBER) != 0) pos++;
                prev = emit(out, prev, pos);
                continue;
            }
            if ((f2 & WLN) == 0 && f2 != 0) {
                if (c == ' ') pos++;
                int g;
                while ((g = flagsAt(cps, pos, end)) != 0 && (g & WLN) == 0) pos++;
                prev = emit(out, prev, pos);
                continue;
            }
            pos = spaces(cps, pos, end);
            prev = emit(out, prev, pos);
        }
    }

    /** The LLaMA-3 regex {@link #LLAMA3} (contractions case-insensitive). */
    private static void llama3(int[] cps, int ini, int end, IntList out) {
        int prev = ini;
        int pos = ini;
        while (pos < end) {
            int c = cps[pos];
            int f = Unicode.flags(c);
            int cl = c == '\'' ? contraction(cps, pos, end, true) : 0;
            if (cl > 0) {
                pos += cl;
                prev = emit(out, prev, pos);
                continue;
            }
            if (!(c == '\r' || c == '\n' || (f & Unicode.NUMBER) != 0)) {
                if ((f & Unicode.LETTER) != 0 || (flagsAt(cps, pos + 1, end) & Unicode.LETTER) != 0) {
                    pos++;
                    while ((flagsAt(cps, pos, end) & Unicode.LETTER) != 0) pos++;
                    prev = emit(out, prev, pos);
                    continue;
                }
            }
            if ((f & Unicode.NUMBER) != 0) {
                int s = pos;
                while ((flagsAt(cps, pos, end) & Unicode.NUMBER) != 0) {
                    if (++pos - s >= 3) {
                        prev = emit(out, prev, pos);
                        s = pos;
                    }
                }
                prev = emit(out, prev, pos);
                continue;
            }
            int f2 = c == ' ' ? flagsAt(cps, pos + 1, end) : f;
            if ((f2 & WLN) == 0 && f != 0) {
                if (c == ' ') pos++;
                int g;
                while ((g = flagsAt(cps, pos, end)) != 0 && (g & WLN) == 0) pos++;
                while (pos < end && (cps[pos] == '\r' || cps[pos] == '\n')) pos++;
                prev = emit(out, prev, pos);
                continue;
            }
            // \s*[\r\n]+ first, then as GPT-2
            int lastRN = 0;
            for (int k = pos; (flagsAt(cps, k, end) & Unicode.WHITESPACE) != 0; k++) if (cps[k] == '\r' || cps[k] == '\n') lastRN = k + 1;
            pos = lastRN > 0 ? lastRN : spaces(cps, pos, end);
            prev = emit(out, prev, pos);
        }
    }

    /** Length of {@code 's|'t|'re|'ve|'m|'ll|'d} at {@code pos} (an apostrophe), letters folded to lower case when {@code fold}; 0 if none. */
    private static int contraction(int[] cps, int pos, int end, boolean fold) {
        int n1 = pos + 1 < end ? (fold ? Unicode.toLower(cps[pos + 1]) : cps[pos + 1]) : -1;
        if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') return 2;
        int n2 = pos + 2 < end ? (fold ? Unicode.toLower(cps[pos + 2]) : cps[pos + 2]) : -1;
        return (n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l') ? 3 : 0;
    }

    /** End of {@code \s+(?!\S)|\s+} at {@code pos}, or of the one char there when it is not a space. */
    private static int spaces(int[] cps, int pos, int end) {
        int nws = 0;
        while ((flagsAt(cps, pos + nws, end) & Unicode.WHITESPACE) != 0) nws++;
        if (nws > 1 && pos + nws < end) return pos + nws - 1;
        return pos + Math.max(nws, 1);
    }

    private static int emit(IntList out, int prev, int end) {
        if (end > prev) out.add(end - prev);
        return end;
    }
}
