package io.tessera.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/** The pre-tokenizers of tokenizer.json: each turns a list of splits into a finer list. */
final class PreTokenizers {
    private PreTokenizers() {}

    interface PreTokenizer {
        /** Splits every element of {@code in} into {@code out}; {@code segmentStart} is where the current segment begins. */
        void apply(List<NormalizedString> in, List<NormalizedString> out, int segmentStart);
    }

    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    static Behavior behavior(JsonNode n, String path, String name, Behavior dflt) {
        String b = Json.str(n, path, name, null);
        if (b == null) return dflt;
        return switch (b) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw Json.error(path + "." + name, "unsupported \"" + b + "\"");
        };
    }

    static PreTokenizer parse(JsonNode n, String path) {
        if (n == null || n.isNull()) return null;
        String type = Json.type(n, path);
        return switch (type) {
            case "ByteLevel" -> new ByteLevelPre(Json.bool(n, path, "add_prefix_space", true), Json.bool(n, path, "use_regex", true));
            case "Split" -> new Split(Json.pattern(n, path, "pattern"), behavior(n, path, "behavior", Behavior.ISOLATED), Json.bool(n, path, "invert", false),
                    n.path("pattern").path("Regex").isTextual() ? n.path("pattern").path("Regex").asText() : null);
            case "Metaspace" -> {
                String rep = Json.str(n, path, "replacement", "\u2581");
                if (rep.codePointCount(0, rep.length()) != 1) throw Json.error(path + ".replacement", "expected one character");
                String scheme = Json.str(n, path, "prepend_scheme", null);
                if (scheme == null) scheme = Json.bool(n, path, "add_prefix_space", true) ? "always" : "never";
                if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never")) {
                    throw Json.error(path + ".prepend_scheme", "unsupported \"" + scheme + "\"");
                }
                yield new Metaspace(rep, scheme, Json.bool(n, path, "split", true));
            }
            case "Whitespace" -> new Split(HfPattern.regex("\\w+|[^\\w\\s]+", path), Behavior.REMOVED, true, null);
            case "WhitespaceSplit" -> new CharSplit(Normalizers::isWhitespace, Behavior.REMOVED);
            case "BertPreTokenizer" -> (in, out, seg) -> {
                List<NormalizedString> tmp = new ArrayList<>();
                new CharSplit(Normalizers::isWhitespace, Behavior.REMOVED).apply(in, tmp, seg);
                new CharSplit(PreTokenizers::isPunctuation, Behavior.ISOLATED).apply(tmp, out, seg);
            };
            case "Digits" -> new CharSplit(c -> c >= '0' && c <= '9',
                    Json.bool(n, path, "individual_digits", false) ? Behavior.ISOLATED : Behavior.CONTIGUOUS);
            case "Punctuation" -> new CharSplit(PreTokenizers::isPunctuation, behavior(n, path, "behavior", Behavior.ISOLATED));
            case "UnicodeScripts" -> new UnicodeScripts();
            case "CharDelimiterSplit" -> {
                String d = Json.str(n, path, "delimiter");
                if (d.codePointCount(0, d.length()) != 1) throw Json.error(path + ".delimiter", "expected one character");
                int dc = d.codePointAt(0);
                yield new CharSplit(c -> c == dc, Behavior.REMOVED);
            }
            case "Sequence" -> {
                JsonNode arr = Json.array(n, path, "pretokenizers");
                List<PreTokenizer> list = new ArrayList<>();
                for (int i = 0; i < arr.size(); i++) list.add(parse(arr.get(i), path + ".pretokenizers[" + i + "]"));
                yield new SequencePre(list);
            }
            default -> throw Json.unsupported(n, path);
        };
    }

    record SequencePre(List<PreTokenizer> list) implements PreTokenizer {
        @Override
        public void apply(List<NormalizedString> in, List<NormalizedString> out, int seg) {
            List<NormalizedString> cur = in;
            for (PreTokenizer p : list) {
                if (p == null) continue;
                List<NormalizedString> next = new ArrayList<>(cur.size() * 2 + 2);
                p.apply(cur, next, seg);
                cur = next;
            }
            out.addAll(cur);
        }
    }

    /** Rust's is_ascii_punctuation or a Unicode P* category (BERT's punctuation). */
    static boolean isPunctuation(int cp) {
        if (cp < 0x80) return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    // ---------------------------------------------------------------- splitting by behaviour

    /**
     * Hugging Face's NormalizedString::split: {@code ev} holds (start, end, isMatch) triples covering
     * the text in order; they are combined by the behaviour and the non-empty pieces appended to out.
     */
    static void splitBy(NormalizedString s, int[] ev, int count, Behavior b, List<NormalizedString> out) {
        switch (b) {
            case ISOLATED -> {
                for (int k = 0; k < count; k++) add(s, ev[3 * k], ev[3 * k + 1], out);
            }
            case REMOVED -> {
                for (int k = 0; k < count; k++) if (ev[3 * k + 2] == 0) add(s, ev[3 * k], ev[3 * k + 1], out);
            }
            case CONTIGUOUS, MERGED_WITH_PREVIOUS -> {
                // a piece joins the one before it: Contiguous when both are matches or both are not,
                // MergedWithPrevious when it is a match after a non-match
                int cs = -1, ce = -1;
                for (int k = 0; k < count; k++) {
                    boolean m = ev[3 * k + 2] != 0, pm = k > 0 && ev[3 * k - 1] != 0;
                    if (cs >= 0 && (b == Behavior.CONTIGUOUS ? m == pm : m && !pm)) {
                        ce = ev[3 * k + 1];
                    } else {
                        if (cs >= 0) add(s, cs, ce, out);
                        cs = ev[3 * k];
                        ce = ev[3 * k + 1];
                    }
                }
                if (cs >= 0) add(s, cs, ce, out);
            }
            case MERGED_WITH_NEXT -> {
                int[] starts = new int[count], ends = new int[count];
                int n = 0;
                boolean prevMatch = false;
                for (int k = count - 1; k >= 0; k--) {
                    boolean m = ev[3 * k + 2] != 0;
                    if (m && !prevMatch && n > 0) {
                        starts[n - 1] = ev[3 * k];
                    } else {
                        starts[n] = ev[3 * k];
                        ends[n] = ev[3 * k + 1];
                        n++;
                    }
                    prevMatch = m;
                }
                for (int k = n - 1; k >= 0; k--) add(s, starts[k], ends[k], out);
            }
        }
    }

    private static void add(NormalizedString s, int from, int to, List<NormalizedString> out) {
        if (to > from) out.add(s.slice(from, to));
    }

    /** Events of a pattern's matches (regex semantics: gaps and matches alternate), optionally inverted. */
    static int patternEvents(String text, HfPattern.IntBuf m, int count, boolean invert, IntArr ev) {
        ev.n = 0;
        int prev = 0;
        int k = 0;
        int yes = invert ? 0 : 1, no = invert ? 1 : 0;
        for (int i = 0; i < count; i++) {
            int s = m.a[2 * i], e = m.a[2 * i + 1];
            if (s > prev) {
                ev.add3(prev, s, no);
                k++;
            }
            ev.add3(s, e, yes);
            k++;
            prev = e;
        }
        if (prev < text.length()) {
            ev.add3(prev, text.length(), no);
            k++;
        }
        return k;
    }

    static final class IntArr {
        int[] a = new int[48];
        int n;

        void add3(int x, int y, int z) {
            if (n + 3 > a.length) a = java.util.Arrays.copyOf(a, a.length * 2);
            a[n++] = x;
            a[n++] = y;
            a[n++] = z;
        }
    }

    /** Events of a char predicate: each matching code point is a match of its own. */
    static int charEvents(String text, IntPredicate p, IntArr ev) {
        ev.n = 0;
        int k = 0;
        int last = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int cl = Character.charCount(cp);
            if (p.test(cp)) {
                if (last < i) {
                    ev.add3(last, i, 0);
                    k++;
                }
                ev.add3(i, i + cl, 1);
                k++;
                last = i + cl;
            }
            i += cl;
        }
        if (last < text.length()) {
            ev.add3(last, text.length(), 0);
            k++;
        }
        return k;
    }

    /** {@code regex}: the pattern's regex source, null for a string pattern. */
    record Split(HfPattern pattern, Behavior behavior, boolean invert, String regex) implements PreTokenizer {
        @Override
        public void apply(List<NormalizedString> in, List<NormalizedString> out, int seg) {
            HfPattern.IntBuf m = new HfPattern.IntBuf();
            IntArr ev = new IntArr();
            for (NormalizedString s : in) {
                m.clear();
                int count = pattern.find(s.text, m);
                int k = patternEvents(s.text, m, count, invert, ev);
                splitBy(s, ev.a, k, behavior, out);
            }
        }
    }

    record CharSplit(IntPredicate p, Behavior behavior) implements PreTokenizer {
        @Override
        public void apply(List<NormalizedString> in, List<NormalizedString> out, int seg) {
            IntArr ev = new IntArr();
            for (NormalizedString s : in) {
                int k = charEvents(s.text, p, ev);
                splitBy(s, ev.a, k, behavior, out);
            }
        }
    }

    static final HfPattern GPT2_PATTERN = HfPattern.regex(HfPattern.GPT2, "ByteLevel");

    record ByteLevelPre(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        @Override
        public void apply(List<NormalizedString> in, List<NormalizedString> out, int seg) {
            List<NormalizedString> tmp = new ArrayList<>(in.size());
            for (NormalizedString s : in) tmp.add(addPrefixSpace && !s.text.startsWith(" ") ? prependSpace(s) : s);
            List<NormalizedString> split = tmp;
            if (useRegex) {
                split = new ArrayList<>();
                new Split(GPT2_PATTERN, Behavior.ISOLATED, false, null).apply(tmp, split, seg);
            }
            for (NormalizedString s : split) out.add(s.mapCodePoints(ByteLevelMap::encode));
        }

        private static NormalizedString prependSpace(NormalizedString s) {
            if (s.isEmpty()) return s;
            return s.prepend(" ");
        }
    }

    record Metaspace(String replacement, String scheme, boolean split) implements PreTokenizer {
        @Override
        public void apply(List<NormalizedString> in, List<NormalizedString> out, int seg) {
            int rep = replacement.codePointAt(0);
            IntArr ev = new IntArr();
            for (NormalizedString s : in) {
                s = s.mapCodePoints(cp -> cp == ' ' ? replacement : null);
                boolean prepend = switch (scheme) {
                    case "always" -> true;
                    case "first" -> s.origStart() == 0; // the start of the whole input, not of the segment after an added token
                    default -> false;
                };
                if (prepend && !s.text.startsWith(replacement)) s = s.prepend(replacement);
                if (split) {
                    int k = charEvents(s.text, c -> c == rep, ev);
                    splitBy(s, ev.a, k, Behavior.MERGED_WITH_NEXT, out);
                } else if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        }
    }

    /**
     * Splits where the Unicode script changes, as Hugging Face's UnicodeScripts: Hiragana and Katakana
     * count as Han, U+30FC as Han, and only the space joins any script (punctuation is "Common").
     */
    static final class UnicodeScripts implements PreTokenizer {
        private static int script(int cp) {
            if (cp == 0x30FC) return Character.UnicodeScript.HAN.ordinal();
            if (cp == ' ') return -1;
            Character.UnicodeScript s = Character.UnicodeScript.of(cp);
            return switch (s) {
                case HIRAGANA, KATAKANA -> Character.UnicodeScript.HAN.ordinal();
                default -> s.ordinal();
            };
        }

        @Override
        public void apply(List<NormalizedString> in, List<NormalizedString> out, int seg) {
            for (NormalizedString s : in) {
                String t = s.text;
                int last = -1; // script of the current piece, -1 = Any
                int pieceStart = 0;
                for (int i = 0; i < t.length(); ) {
                    int cp = t.codePointAt(i);
                    int sc = script(cp);
                    boolean cut = sc != -1 && last != -1 && sc != last;
                    if (cut) {
                        add(s, pieceStart, i, out);
                        pieceStart = i;
                    }
                    if (sc != -1) last = sc;
                    i += Character.charCount(cp);
                }
                add(s, pieceStart, t.length(), out);
            }
        }
    }
}
