package io.tessera.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;

import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/** The normalizers of tokenizer.json. */
final class Normalizers {
    private Normalizers() {}

    interface Normalizer {
        NormalizedString normalize(NormalizedString s);
    }

    static Normalizer parse(JsonNode n, String path) {
        if (n == null || n.isNull()) return null;
        String type = Json.type(n, path);
        return switch (type) {
            case "NFC" -> new Unicode(Form.NFC);
            case "NFD" -> new Unicode(Form.NFD);
            case "NFKC" -> new Unicode(Form.NFKC);
            case "NFKD" -> new Unicode(Form.NFKD);
            case "Lowercase" -> Normalizers::lowercase;
            case "Strip" -> new Strip(Json.bool(n, path, "strip_left", true), Json.bool(n, path, "strip_right", true));
            case "StripAccents" -> Normalizers::stripAccents;
            case "Replace" -> new Replace(Json.pattern(n, path, "pattern"), Json.str(n, path, "content"));
            case "Prepend" -> new Prepend(Json.str(n, path, "prepend"));
            case "ByteLevel" -> s -> s.mapCodePoints(cp -> ByteLevelMap.encode(cp));
            case "Nmt" -> Normalizers::nmt;
            case "BertNormalizer" -> {
                boolean lower = Json.bool(n, path, "lowercase", true);
                JsonNode sa = n.get("strip_accents");
                boolean strip = sa == null || sa.isNull() ? lower : Json.bool(n, path, "strip_accents", lower);
                yield new Bert(Json.bool(n, path, "clean_text", true), Json.bool(n, path, "handle_chinese_chars", true), strip, lower);
            }
            case "Precompiled" -> {
                JsonNode pc = n.get("precompiled_charsmap");
                if (pc == null || pc.isNull() || pc.asText().isEmpty()) yield s -> s;
                try {
                    yield new Precompiled(Base64.getDecoder().decode(pc.asText()));
                } catch (RuntimeException e) {
                    throw Json.error(path + ".precompiled_charsmap", "malformed: " + e.getMessage());
                }
            }
            case "Sequence" -> {
                JsonNode arr = Json.array(n, path, "normalizers");
                List<Normalizer> list = new ArrayList<>();
                for (int i = 0; i < arr.size(); i++) list.add(parse(arr.get(i), path + ".normalizers[" + i + "]"));
                yield s -> {
                    for (Normalizer x : list) if (x != null) s = x.normalize(s);
                    return s;
                };
            }
            default -> throw Json.unsupported(n, path);
        };
    }

    // ---------------------------------------------------------------- simple ones

    /** Rust's char::to_lowercase, per code point (no final-sigma rule). */
    static String lowerCodePoint(int cp) {
        if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? null : null;
        String s = new String(Character.toChars(cp));
        String l = s.toLowerCase(Locale.ROOT);
        return l.equals(s) ? null : l;
    }

    static NormalizedString lowercase(NormalizedString s) {
        return s.mapCodePoints(cp -> {
            if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? String.valueOf((char) (cp + 32)) : null;
            return lowerCodePoint(cp);
        });
    }

    static NormalizedString stripAccents(NormalizedString s) {
        return s.mapCodePoints(cp -> Character.getType(cp) == Character.NON_SPACING_MARK ? "" : null);
    }

    static NormalizedString nmt(NormalizedString s) {
        return s.mapCodePoints(cp -> {
            if ((cp >= 0x0001 && cp <= 0x0008) || cp == 0x000B || (cp >= 0x000E && cp <= 0x001F) || cp == 0x007F || cp == 0x008F || cp == 0x009F) return "";
            if (cp == 0x0009 || cp == 0x000A || cp == 0x000C || cp == 0x000D || cp == 0x1680 || (cp >= 0x200B && cp <= 0x200F)
                    || cp == 0x2028 || cp == 0x2029 || cp == 0x2581 || cp == 0xFEFF || cp == 0xFFFD) return " ";
            return null;
        });
    }

    record Strip(boolean left, boolean right) implements Normalizer {
        @Override
        public NormalizedString normalize(NormalizedString s) {
            String t = s.text;
            int a = 0, b = t.length();
            if (left) while (a < b && isWhitespace(t.codePointAt(a))) a += Character.charCount(t.codePointAt(a));
            if (right) while (b > a && isWhitespace(t.codePointBefore(b))) b -= Character.charCount(t.codePointBefore(b));
            return s.slice(a, b);
        }
    }

    /** Rust's char::is_whitespace: the Unicode White_Space property. */
    static boolean isWhitespace(int cp) {
        return io.tessera.tokenizer.Unicode.isWhitespace(cp);
    }

    record Replace(HfPattern pattern, String content) implements Normalizer {
        @Override
        public NormalizedString normalize(NormalizedString s) {
            HfPattern.IntBuf m = new HfPattern.IntBuf();
            int count = pattern.find(s.text, m);
            return s.replaceRanges(m.a, count, content);
        }
    }

    record Prepend(String prepend) implements Normalizer {
        @Override
        public NormalizedString normalize(NormalizedString s) {
            return s.prepend(prepend);
        }
    }

    // ---------------------------------------------------------------- Unicode forms

    record Unicode(Form form) implements Normalizer {
        @Override
        public NormalizedString normalize(NormalizedString s) {
            String t = s.text;
            if (isAsciiOrLatin1Stable(t) || java.text.Normalizer.isNormalized(t, form)) return s;
            return AlignedNormalization.normalize(s, form);
        }

        private boolean isAsciiOrLatin1Stable(String t) {
            for (int i = 0; i < t.length(); i++) if (t.charAt(i) >= 0x80) return false;
            return true;
        }
    }

    // ---------------------------------------------------------------- BERT

    record Bert(boolean cleanText, boolean chinese, boolean stripAccents, boolean lowercase) implements Normalizer {
        @Override
        public NormalizedString normalize(NormalizedString s) {
            if (cleanText) {
                s = s.mapCodePoints(cp -> {
                    if (cp == 0 || cp == 0xFFFD || isBertControl(cp)) return "";
                    if (cp == ' ') return null;
                    return isBertWhitespace(cp) ? " " : null;
                });
            }
            if (chinese) s = s.mapCodePoints(cp -> isChinese(cp) ? " " + new String(Character.toChars(cp)) + " " : null);
            if (stripAccents) {
                s = new Unicode(Form.NFD).normalize(s);
                s = Normalizers.stripAccents(s);
            }
            if (lowercase) s = Normalizers.lowercase(s);
            return s;
        }
    }

    static boolean isBertWhitespace(int cp) {
        return cp == '\t' || cp == '\n' || cp == '\r' || isWhitespace(cp);
    }

    /**
     * Hugging Face's "other" characters except tab, newline and carriage return: Cc, Cf and Co. Its
     * category tables list no unassigned (Cn) code points, so unassigned characters and noncharacters
     * (U+FFFE) are kept, and become [UNK] later, while Java calls them UNASSIGNED.
     */
    static boolean isBertControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE;
    }

    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    // ---------------------------------------------------------------- SentencePiece char map

    /**
     * SentencePiece's precompiled normalization map: a darts-clone double-array trie over UTF-8 keys
     * whose values index a pool of NUL-terminated replacement strings. Like Hugging Face, each grapheme
     * cluster shorter than 6 bytes is looked up whole first, then each of its code points.
     */
    static final class Precompiled implements Normalizer {
        private final int[] units;
        private final byte[] pool;

        Precompiled(byte[] blob) {
            if (blob.length < 4) throw new IllegalArgumentException("shorter than 4 bytes");
            int trieSize = (blob[0] & 0xFF) | (blob[1] & 0xFF) << 8 | (blob[2] & 0xFF) << 16 | (blob[3] & 0xFF) << 24;
            if (trieSize < 0 || trieSize % 4 != 0 || 4 + trieSize > blob.length) throw new IllegalArgumentException("bad trie size " + trieSize);
            units = new int[trieSize / 4];
            for (int i = 0; i < units.length; i++) {
                int o = 4 + 4 * i;
                units[i] = (blob[o] & 0xFF) | (blob[o + 1] & 0xFF) << 8 | (blob[o + 2] & 0xFF) << 16 | (blob[o + 3] & 0xFF) << 24;
            }
            pool = java.util.Arrays.copyOfRange(blob, 4 + trieSize, blob.length);
        }

        /** The replacement of the first (shortest) trie key that prefixes {@code key}, or null. */
        String transform(byte[] key) {
            if (units.length == 0) return null;
            int pos = 0;
            int unit = units[0];
            pos ^= offset(unit);
            for (byte kb : key) {
                int c = kb & 0xFF;
                if (c == 0) break;
                pos ^= c;
                if (pos < 0 || pos >= units.length) return null;
                unit = units[pos];
                if ((unit & ((1 << 31) | 0xFF)) != c) return null;
                pos ^= offset(unit);
                if (((unit >>> 8) & 1) != 0) {
                    if (pos < 0 || pos >= units.length) return null;
                    int index = units[pos] & 0x7FFFFFFF;
                    int e = index;
                    while (e < pool.length && pool[e] != 0) e++;
                    if (index > pool.length) return null;
                    return new String(pool, index, e - index, java.nio.charset.StandardCharsets.UTF_8);
                }
            }
            return null;
        }

        private static int offset(int unit) {
            return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
        }

        @Override
        public NormalizedString normalize(NormalizedString s) {
            String t = s.text;
            if (t.isEmpty()) return s;
            java.text.BreakIterator it = java.text.BreakIterator.getCharacterInstance(Locale.ROOT);
            it.setText(t);
            NormalizedString.Builder b = new NormalizedString.Builder(t.length() + 8);
            boolean changed = false;
            for (int gs = it.first(), ge = it.next(); ge != java.text.BreakIterator.DONE; gs = ge, ge = it.next()) {
                String g = t.substring(gs, ge);
                byte[] gb = g.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                if (gb.length < 6) {
                    String r = transform(gb);
                    if (r != null) {
                        b.append(r, s.start[gs], s.end[ge - 1]);
                        changed = true;
                        continue;
                    }
                }
                for (int i = gs; i < ge; ) {
                    int cp = t.codePointAt(i);
                    int cl = Character.charCount(cp);
                    String r = transform(new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    if (r != null) {
                        b.append(r, s.start[i], s.end[i + cl - 1]);
                        changed = true;
                    } else {
                        b.appendRange(s, i, i + cl);
                    }
                    i += cl;
                }
            }
            return changed ? b.build() : s;
        }
    }
}
