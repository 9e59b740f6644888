package io.tessera.tokenizer;

/**
 * Code point classes as llama.cpp's unicode.cpp sees them: one general-category flag per code point
 * (letter, number, mark, punctuation, symbol, separator, control, undefined) plus the Unicode
 * White_Space property. Categories come from the JDK's Unicode tables.
 */
public final class Unicode {
    private Unicode() {}

    public static final int UNDEFINED = 0x0001;
    public static final int NUMBER = 0x0002;
    public static final int LETTER = 0x0004;
    public static final int SEPARATOR = 0x0008;
    public static final int ACCENT_MARK = 0x0010;
    public static final int PUNCTUATION = 0x0020;
    public static final int SYMBOL = 0x0040;
    public static final int CONTROL = 0x0080;
    public static final int CATEGORY_MASK = 0x00FF;
    public static final int WHITESPACE = 0x0100;

    /** Flags of a code point; 0 for values outside 0..0x10FFFF (llama.cpp's "out of range"). */
    public static int flags(int cp) {
        if (cp < 0 || cp > 0x10FFFF) return 0;
        int f = category(cp);
        return isWhitespace(cp) ? f | WHITESPACE : f;
    }

    public static int category(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> ACCENT_MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> SYMBOL;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE -> CONTROL;
            default -> UNDEFINED;
        };
    }

    /** The Unicode White_Space property (PropList.txt), which is what llama.cpp means by {@code \s}. */
    public static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    public static boolean isLetter(int cp) { return (flags(cp) & LETTER) != 0; }
    public static boolean isNumber(int cp) { return (flags(cp) & NUMBER) != 0; }

    /** Simple one-to-one lowercase mapping. */
    public static int toLower(int cp) {
        return Character.toLowerCase(cp);
    }

    /** Code points of a string; unpaired surrogates become U+FFFD, as invalid UTF-8 does in llama.cpp. */
    public static int[] codePoints(String s) {
        int[] out = new int[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out[n++] = Character.toCodePoint(c, s.charAt(i + 1));
                i += 2;
            } else {
                out[n++] = Character.isSurrogate(c) ? 0xFFFD : c;
                i++;
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** The string with every unpaired surrogate replaced by U+FFFD (so it has an exact UTF-8 form). */
    public static String wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                int[] cps = codePoints(s);
                return new String(cps, 0, cps.length);
            }
        }
        return s;
    }
}
