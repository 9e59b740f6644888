package io.tessera.tokenizer;

import io.tessera.TesseraException;
import io.tessera.tokenizer.hf.HfPattern;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI tiktoken: a {@code .tiktoken} rank file (base64 token bytes and rank per line), the split
 * pattern and special tokens of its encoding, and byte-level BPE where the rank of a pair is the rank
 * of its concatenated bytes, exactly as tiktoken's {@code byte_pair_merge}, run by Tessera's one BPE core
 * ({@link BpeMerger}).
 *
 * <pre>{@code
 * Tiktoken enc = Tiktoken.load(Path.of("cl100k_base.tiktoken"));   // encoding from the file name
 * int[] ids = enc.encodeOrdinary("hello world");                     // tiktoken's encode_ordinary
 * String text = enc.decode(ids);
 * }</pre>
 */
public final class Tiktoken implements Tokenizer {

    /** A named encoding: its split pattern and special tokens. */
    public record Spec(String name, String pattern, Map<String, Integer> specialTokens) {}

    static final String R50K_PATTERN = "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    static final String CL100K_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String O200K_PATTERN = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** The encodings tiktoken ships, by name. */
    public static Spec spec(String name) {
        return switch (name) {
            case "r50k_base", "gpt2" -> new Spec(name, R50K_PATTERN, Map.of("<|endoftext|>", 50256));
            case "p50k_base" -> new Spec(name, R50K_PATTERN, Map.of("<|endoftext|>", 50256));
            case "p50k_edit" -> new Spec(name, R50K_PATTERN, ordered("<|endoftext|>", 50256, "<|fim_prefix|>", 50281, "<|fim_middle|>", 50282, "<|fim_suffix|>", 50283));
            case "cl100k_base" -> new Spec(name, CL100K_PATTERN, ordered("<|endoftext|>", 100257, "<|fim_prefix|>", 100258,
                    "<|fim_middle|>", 100259, "<|fim_suffix|>", 100260, "<|endofprompt|>", 100276));
            case "o200k_base" -> new Spec(name, O200K_PATTERN, ordered("<|endoftext|>", 199999, "<|endofprompt|>", 200018));
            default -> throw new TesseraException("unknown tiktoken encoding \"" + name + "\" (known: r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base)");
        };
    }

    private static Map<String, Integer> ordered(Object... kv) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (Integer) kv[i + 1]);
        return m;
    }

    private final String name;
    private final byte[][] tokens;      // by rank; null for gaps
    private final BytesMap ranks;
    private final PieceEncoder pieces;
    private final HfPattern pattern;
    private final Map<String, Integer> specials;
    private final String[] specialByRank;
    private final int eot;

    private Tiktoken(String name, byte[][] tokens, HfPattern pattern, Map<String, Integer> specials) {
        this.name = name;
        this.pattern = pattern;
        this.specials = Map.copyOf(specials);
        int size = tokens.length;
        for (int r : specials.values()) size = Math.max(size, r + 1);
        this.tokens = Arrays.copyOf(tokens, size);
        this.specialByRank = new String[size];
        for (Map.Entry<String, Integer> e : specials.entrySet()) specialByRank[e.getValue()] = e.getKey();
        int total = 0;
        for (byte[] t : tokens) if (t != null) total++;
        ranks = new BytesMap(total);
        for (int r = 0; r < tokens.length; r++) if (tokens[r] != null) ranks.put(tokens[r], r);
        int[] byteRank = new int[256];
        for (int b = 0; b < 256; b++) {
            byteRank[b] = ranks.get(new byte[] {(byte) b}, 0, 1);
            if (byteRank[b] < 0) throw new TesseraException(name + ": byte " + b + " has no rank");
        }
        BpeMerger.Builder mb = new BpeMerger.Builder(total * 2);
        for (int r = 0; r < tokens.length; r++) {
            byte[] t = tokens[r];
            if (t == null || t.length < 2) continue;
            for (int k = 1; k < t.length; k++) {
                int a = ranks.get(t, 0, k);
                if (a < 0) continue;
                int b = ranks.get(t, k, t.length - k);
                if (b < 0) continue;
                mb.add(a, b, r, r);
            }
        }
        pieces = new PieceEncoder(ranks, true, byteRank, mb.build());
        Integer e = specials.get("<|endoftext|>");
        eot = e == null ? -1 : e;
    }

    /** Loads a .tiktoken file; the encoding comes from its file name (e.g. {@code cl100k_base.tiktoken}). */
    public static Tiktoken load(Path file) {
        String fn = file.getFileName().toString();
        String enc = fn.endsWith(".tiktoken") ? fn.substring(0, fn.length() - ".tiktoken".length()) : fn;
        for (String known : List.of("o200k_base", "cl100k_base", "p50k_edit", "p50k_base", "r50k_base")) {
            if (enc.contains(known)) return load(file, known);
        }
        throw new TesseraException(file + ": cannot tell the encoding from the file name; give it (e.g. --encoding cl100k_base)");
    }

    /** Loads a .tiktoken file with the split pattern and special tokens of the named encoding. */
    public static Tiktoken load(Path file, String encoding) {
        Spec spec = spec(encoding);
        return load(file, spec.name(), spec.pattern(), spec.specialTokens());
    }

    /** Loads a .tiktoken file with an explicit split pattern and special tokens. */
    public static Tiktoken load(Path file, String name, String pattern, Map<String, Integer> specialTokens) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TesseraException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return fromRanks(parseRanks(data, file.toString()), name, pattern, specialTokens);
    }

    /** A tokenizer from token bytes by rank. */
    public static Tiktoken fromRanks(byte[][] tokensByRank, String name, String pattern, Map<String, Integer> specialTokens) {
        return new Tiktoken(name, tokensByRank, HfPattern.regex(pattern, "pattern"), specialTokens);
    }

    static byte[][] parseRanks(byte[] data, String where) {
        byte[][] out = new byte[1024][];
        int max = -1;
        int line = 0;
        Base64.Decoder dec = Base64.getDecoder();
        for (int i = 0; i < data.length; ) {
            int nl = i;
            while (nl < data.length && data[nl] != '\n') nl++;
            line++;
            int end = nl > i && data[nl - 1] == '\r' ? nl - 1 : nl;
            if (end > i) {
                int sp = i;
                while (sp < end && data[sp] != ' ') sp++;
                if (sp == end) throw new TesseraException(where + ": line " + line + ": expected \"BASE64 RANK\"");
                byte[] tok;
                int rank;
                try {
                    tok = dec.decode(Arrays.copyOfRange(data, i, sp));
                    rank = Integer.parseInt(new String(data, sp + 1, end - sp - 1, StandardCharsets.US_ASCII));
                } catch (IllegalArgumentException e) {
                    throw new TesseraException(where + ": line " + line + ": " + e.getMessage());
                }
                if (rank < 0 || rank > 10_000_000) throw new TesseraException(where + ": line " + line + ": rank " + rank + " out of range");
                if (rank >= out.length) out = Arrays.copyOf(out, Math.max(out.length * 2, rank + 1));
                if (out[rank] != null) throw new TesseraException(where + ": line " + line + ": rank " + rank + " repeated");
                out[rank] = tok;
                max = Math.max(max, rank);
            }
            i = nl + 1;
        }
        if (max < 0) throw new TesseraException(where + ": no ranks");
        return Arrays.copyOf(out, max + 1);
    }

    public String name() {
        return name;
    }

    public Map<String, Integer> specialTokens() {
        return specials;
    }

    // ================================================================ encoding

    /** tiktoken's {@code encode_ordinary}: special-token text is plain text. */
    public int[] encodeOrdinary(String text) {
        return encode(text, false, false);
    }

    /**
     * Token ids; {@code parseSpecial} recognises special-token text (tiktoken's {@code encode} with
     * every special token allowed). tiktoken adds no BOS/EOS, so {@code addSpecial} changes nothing.
     */
    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        text = Unicode.wellFormed(text);
        Scratch sc = SCRATCH.get();
        IntList out = sc.out;
        out.truncate(0);
        if (!parseSpecial || specials.isEmpty()) {
            encodeOrdinary(text, 0, text.length(), sc);
        } else {
            int from = 0;
            while (from < text.length()) {
                int best = -1, bestLen = 0, bestRank = -1;
                for (Map.Entry<String, Integer> e : specials.entrySet()) {
                    int at = text.indexOf(e.getKey(), from);
                    if (at >= 0 && (best < 0 || at < best || (at == best && e.getKey().length() > bestLen))) {
                        best = at;
                        bestLen = e.getKey().length();
                        bestRank = e.getValue();
                    }
                }
                if (best < 0) break;
                encodeOrdinary(text, from, best, sc);
                out.add(bestRank);
                from = best + bestLen;
            }
            encodeOrdinary(text, from, text.length(), sc);
        }
        int[] ids = out.toArray();
        sc.trim();
        return ids;
    }

    /** Per-thread buffers, so encoding a line allocates only its result. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        private static final int KEEP = 1 << 16;
        HfPattern.IntBuf m = new HfPattern.IntBuf();
        IntList out = new IntList(256);
        byte[] bytes = new byte[256];
        int[] ids = new int[256];

        /** Drops buffers a huge input grew, so a thread does not keep them. */
        void trim() {
            if (m.a.length > KEEP) m = new HfPattern.IntBuf();
            if (out.capacity() > KEEP) out = new IntList(256);
            if (bytes.length > KEEP) {
                bytes = new byte[256];
                ids = new int[256];
            }
        }
    }

    private void encodeOrdinary(String text, int from, int to, Scratch sc) {
        if (from >= to) return;
        String seg = from == 0 && to == text.length() ? text : text.substring(from, to);
        sc.m.clear();
        int k = pattern.find(seg, sc.m);
        int[] a = sc.m.a;
        IntList out = sc.out;
        for (int i = 0; i < k; i++) {
            int s = a[2 * i], e = a[2 * i + 1];
            if ((e - s) * 3 > sc.bytes.length) {
                sc.bytes = new byte[(e - s) * 3 + 16];
                sc.ids = new int[(e - s) * 3 + 16];
            }
            int n = Utf8.encode(seg, s, e, sc.bytes);
            int m = pieces.encode(sc.bytes, n, sc.ids);
            out.addAll(sc.ids, m);
        }
    }

    // ================================================================ decoding

    @Override
    public String decode(int[] ids, boolean renderSpecial) {
        return new String(decodeBytes(ids, renderSpecial), StandardCharsets.UTF_8);
    }

    /** The bytes of the ids (special tokens included only when {@code renderSpecial}). */
    public byte[] decodeBytes(int[] ids, boolean renderSpecial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            check(id);
            if (specialByRank[id] != null) {
                if (renderSpecial) out.writeBytes(specialByRank[id].getBytes(StandardCharsets.UTF_8));
            } else if (tokens[id] != null) {
                out.writeBytes(tokens[id]);
            }
        }
        return out.toByteArray();
    }

    private void check(int id) {
        if (id < 0 || id >= tokens.length || (tokens[id] == null && specialByRank[id] == null)) {
            throw new TesseraException("token id " + id + " is not in " + name);
        }
    }

    @Override
    public byte[] tokenBytes(int id) {
        check(id);
        return specialByRank[id] != null ? specialByRank[id].getBytes(StandardCharsets.UTF_8) : tokens[id].clone();
    }

    @Override
    public String piece(int id) {
        check(id);
        return specialByRank[id] != null ? specialByRank[id] : new String(tokens[id], StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public int bos() {
        return -1;
    }

    @Override
    public int eos() {
        return eot;
    }

    @Override
    public boolean isEog(int id) {
        return id == eot && id >= 0;
    }

    @Override
    public StreamingDetokenizer streamingDetokenizer(boolean renderSpecial) {
        return new StreamingDetokenizer(id -> {
            check(id);
            if (specialByRank[id] != null) return renderSpecial ? specialByRank[id].getBytes(StandardCharsets.UTF_8) : new byte[0];
            return tokens[id];
        }, false, false);
    }
}
