package io.tessera.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.tessera.tokenizer.ByteLevel;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The decoders of tokenizer.json: a chain of token-list transformations, joined at the end. */
final class Decoders {
    private Decoders() {}

    interface Decoder {
        List<String> decode(List<String> tokens);
    }

    static Decoder parse(JsonNode n, String path) {
        if (n == null || n.isNull()) return null;
        String type = Json.type(n, path);
        return switch (type) {
            case "ByteLevel" -> Decoders::byteLevel;
            case "Metaspace" -> {
                String rep = Json.str(n, path, "replacement", "\u2581");
                String scheme = Json.str(n, path, "prepend_scheme", null);
                if (scheme == null) scheme = Json.bool(n, path, "add_prefix_space", true) ? "always" : "never";
                boolean strip = !scheme.equals("never");
                int rc = rep.codePointAt(0);
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (int i = 0; i < tokens.size(); i++) {
                        StringBuilder sb = new StringBuilder();
                        String t = tokens.get(i);
                        for (int k = 0; k < t.length(); ) {
                            int c = t.codePointAt(k);
                            if (c == rc) {
                                if (!(i == 0 && strip)) sb.append(' ');
                            } else {
                                sb.appendCodePoint(c);
                            }
                            k += Character.charCount(c);
                        }
                        out.add(sb.toString());
                    }
                    return out;
                };
            }
            case "WordPiece" -> {
                String prefix = Json.str(n, path, "prefix", "##");
                boolean cleanup = Json.bool(n, path, "cleanup", true);
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (int i = 0; i < tokens.size(); i++) {
                        String t = tokens.get(i);
                        if (i != 0) t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
                        out.add(cleanup ? cleanup(t) : t);
                    }
                    return out;
                };
            }
            case "BPEDecoder" -> {
                String suffix = Json.str(n, path, "suffix", "</w>");
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (int i = 0; i < tokens.size(); i++) out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
                    return out;
                };
            }
            case "ByteFallback" -> Decoders::byteFallback;
            case "Fuse" -> tokens -> List.of(String.join("", tokens));
            case "Strip" -> {
                String content = Json.str(n, path, "content");
                if (content.codePointCount(0, content.length()) != 1) throw Json.error(path + ".content", "expected one character");
                int c = content.codePointAt(0);
                int start = Json.integer(n, path, "start", 0), stop = Json.integer(n, path, "stop", 0);
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (String t : tokens) out.add(strip(t, c, start, stop));
                    return out;
                };
            }
            case "Replace" -> {
                HfPattern p = Json.pattern(n, path, "pattern");
                String content = Json.str(n, path, "content");
                yield tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    HfPattern.IntBuf m = new HfPattern.IntBuf();
                    for (String t : tokens) {
                        m.clear();
                        int k = p.find(t, m);
                        if (k == 0) {
                            out.add(t);
                            continue;
                        }
                        StringBuilder sb = new StringBuilder();
                        int prev = 0;
                        for (int i = 0; i < k; i++) {
                            sb.append(t, prev, m.a[2 * i]).append(content);
                            prev = m.a[2 * i + 1];
                        }
                        out.add(sb.append(t, prev, t.length()).toString());
                    }
                    return out;
                };
            }
            case "CTC" -> {
                String pad = Json.str(n, path, "pad_token", "<pad>");
                String delim = Json.str(n, path, "word_delimiter_token", "|");
                boolean cleanup = Json.bool(n, path, "cleanup", true);
                yield tokens -> {
                    List<String> out = new ArrayList<>();
                    String prev = null;
                    for (String t : tokens) {
                        if (t.equals(prev)) continue;
                        prev = t;
                        if (t.equals(pad)) continue;
                        String r = t.replace(delim, " ");
                        if (cleanup) r = cleanup(r);
                        if (!r.isEmpty()) out.add(r);
                    }
                    return out;
                };
            }
            case "Sequence" -> {
                JsonNode arr = Json.array(n, path, "decoders");
                List<Decoder> list = new ArrayList<>();
                for (int i = 0; i < arr.size(); i++) list.add(parse(arr.get(i), path + ".decoders[" + i + "]"));
                yield tokens -> {
                    for (Decoder d : list) if (d != null) tokens = d.decode(tokens);
                    return tokens;
                };
            }
            default -> throw Json.unsupported(n, path);
        };
    }

    static List<String> byteLevel(List<String> tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String t : tokens) {
            byte[] b = byteLevelBytes(t);
            out.write(b, 0, b.length);
        }
        return List.of(out.toString(StandardCharsets.UTF_8));
    }

    /** The bytes a byte-level token stands for; a token with other chars stands for its own UTF-8. */
    static byte[] byteLevelBytes(String t) {
        byte[] b = new byte[t.length()];
        for (int i = 0; i < t.length(); i++) {
            int v = ByteLevel.charToByte(t.charAt(i));
            if (v < 0) return t.getBytes(StandardCharsets.UTF_8);
            b[i] = (byte) v;
        }
        return b;
    }

    /** The byte of a "&lt;0xXX&gt;" token, or -1. */
    static int byteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        for (String t : tokens) {
            int b = byteToken(t);
            if (b >= 0) {
                pending.write(b);
                continue;
            }
            flushBytes(pending, out);
            out.add(t);
        }
        flushBytes(pending, out);
        return out;
    }

    private static void flushBytes(ByteArrayOutputStream pending, List<String> out) {
        if (pending.size() == 0) return;
        byte[] b = pending.toByteArray();
        pending.reset();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            for (int i = 0; i < b.length; i++) out.add("\uFFFD");
        }
    }

    static String strip(String t, int c, int start, int stop) {
        int[] cps = t.codePoints().toArray();
        int a = 0;
        for (int i = 0; i < Math.min(start, cps.length); i++) {
            if (cps[i] == c) a = i + 1;
            else break;
        }
        int b = cps.length;
        for (int i = 0; i < Math.min(stop, cps.length); i++) {
            if (cps[cps.length - 1 - i] == c) b = cps.length - i - 1;
            else break;
        }
        if (b < a) b = a;
        return new String(cps, a, b - a);
    }

    /** Hugging Face's wordpiece clean-up of spaces before punctuation and contractions. */
    static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }
}
