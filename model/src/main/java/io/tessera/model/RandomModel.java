package io.tessera.model;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGMLType;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFValue;
import io.tessera.model.gguf.GGUFWriter;
import io.tessera.model.tensor.Quantizer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Writes random-weight GGUF models of realistic shapes, so anyone can benchmark without downloading a model.
 * Weights are N(0, 0.02) and norms 1 (finite activations through any depth); the vocabulary is a synthetic
 * SentencePiece-style one (byte tokens plus filler pieces) or is copied from another GGUF file.
 */
public final class RandomModel {

    /**
     * A model shape. {@code headDim} 0 means dim / heads. Block weights are N(0, 0.02); the embedding and
     * output matrices N(0, sigma), where a larger sigma gives peaked next-token distributions (few near-ties)
     * while attention stays smooth, so that rounding differences do not grow chaotically.
     */
    public record Shape(String arch, int dim, int layers, int heads, int kvHeads, int headDim, int ffn, int vocab, int context, double sigma) {
        public Shape(String arch, int dim, int layers, int heads, int kvHeads, int headDim, int ffn, int vocab, int context) {
            this(arch, dim, layers, heads, kvHeads, headDim, ffn, vocab, context, 0.02);
        }

        /** The same shape with another vocabulary size. */
        public Shape withVocab(int n) {
            return new Shape(arch, dim, layers, heads, kvHeads, headDim, ffn, n, context, sigma);
        }

        public long parameters() {
            int hd = headDim > 0 ? headDim : dim / heads;
            long perLayer = (long) dim * heads * hd * 2 + (long) dim * kvHeads * hd * 2 + 3L * dim * ffn + 2L * dim;
            return perLayer * layers + (long) vocab * dim * 2 + dim;
        }
    }

    /**
     * Named shapes: {@code test} (tiny, rows of 256 so every type applies), {@code 260K} (stories260K),
     * {@code 15M} (stories15M), {@code 1B} (TinyLlama 1.1B; for qwen3 Qwen3-0.6B; for qwen2 Qwen2.5-0.5B),
     * {@code 3.2-1B} (llama only: Llama 3.2 1B, 128256-token vocabulary).
     */
    public static Shape shape(String arch, String params) {
        String p = params.toUpperCase(Locale.ROOT);
        if (!arch.equals("llama") && !arch.equals("qwen2") && !arch.equals("qwen3")) {
            throw new TesseraException("model random: unknown --arch '" + arch + "' (llama, qwen2, qwen3)");
        }
        return switch (arch + ":" + p) {
            case "llama:TEST" -> new Shape("llama", 256, 2, 4, 2, 0, 512, 512, 256, 0.1);
            case "qwen2:TEST" -> new Shape("qwen2", 256, 2, 4, 2, 0, 512, 512, 256, 0.1);
            case "qwen3:TEST" -> new Shape("qwen3", 256, 2, 4, 2, 128, 512, 512, 256, 0.1);
            case "qwen2:1B", "qwen2:0.5B" -> new Shape("qwen2", 896, 24, 14, 2, 0, 4864, 151936, 4096);
            case "llama:260K" -> new Shape("llama", 64, 5, 8, 4, 0, 172, 512, 128);
            case "llama:15M" -> new Shape("llama", 288, 6, 6, 6, 0, 768, 32000, 2048);
            case "llama:1B", "llama:1.1B" -> new Shape("llama", 2048, 22, 32, 4, 0, 5632, 32000, 2048);
            case "llama:3.2-1B" -> new Shape("llama", 2048, 16, 32, 8, 64, 8192, 128256, 2048); // Llama 3.2 1B
            case "qwen3:15M" -> new Shape("qwen3", 256, 6, 4, 2, 64, 768, 32000, 2048);
            case "qwen3:1B", "qwen3:0.6B" -> new Shape("qwen3", 1024, 28, 16, 8, 128, 3072, 151936, 4096);
            default -> throw new TesseraException("model random: unknown shape '" + params + "' for --arch " + arch
                    + " (llama: test, 260K, 15M, 1B, 3.2-1B; qwen2: test, 1B; qwen3: test, 15M, 1B)");
        };
    }

    /**
     * Writes the model. {@code type} is a llama.cpp file type: F32, F16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
     * Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q4_K_M or Q5_K_M (the _M mixes give attn_v / ffn_down of some layers
     * and the output matrix Q6_K, as llama-quantize does).
     */
    public static void write(Shape s, String type, long seed, Path vocabFrom, Path out) {
        writeWithVocabulary(s, type, seed, vocabFrom == null ? null : vocabulary(vocabFrom, s.vocab()), out);
    }

    /**
     * {@link #write} with the vocabulary given as GGUF tokenizer metadata ({@code tokenizer.*} keys, e.g. from
     * {@link GGUFTokenizer#metadata}); null for the synthetic one.
     */
    public static void writeWithVocabulary(Shape s, String type, long seed, Map<String, GGUFValue> vocabulary, Path out) {
        String t = type.toUpperCase(Locale.ROOT);
        GGMLType base = switch (t) {
            case "Q4_K_M" -> GGMLType.Q4_K;
            case "Q5_K_M" -> GGMLType.Q5_K;
            default -> {
                try {
                    yield GGMLType.valueOf(t);
                } catch (IllegalArgumentException e) {
                    throw new TesseraException("model random: unknown --type '" + type + "'");
                }
            }
        };
        boolean mix = t.endsWith("_M");
        int hd = s.headDim() > 0 ? s.headDim() : s.dim() / s.heads();
        GGUFWriter w = new GGUFWriter();
        String a = s.arch() + ".";
        w.put("general.architecture", s.arch());
        w.put("general.name", "tessera-random-" + s.arch() + "-" + t);
        w.put(a + "context_length", s.context());
        w.put(a + "embedding_length", s.dim());
        w.put(a + "block_count", s.layers());
        w.put(a + "feed_forward_length", s.ffn());
        w.put(a + "attention.head_count", s.heads());
        w.put(a + "attention.head_count_kv", s.kvHeads());
        w.put(a + "attention.key_length", hd);
        w.put(a + "attention.value_length", hd);
        w.put(a + "rope.dimension_count", hd);
        w.put(a + "attention.layer_norm_rms_epsilon", 1e-5f);
        w.put(a + "rope.freq_base", s.arch().equals("qwen3") ? 1_000_000f : 10000f);
        w.put(a + "vocab_size", s.vocab());
        if (vocabulary == null) {
            w.putAll(syntheticVocabulary(s.vocab()));
        } else {
            int n = ((String[]) vocabulary.get("tokenizer.ggml.tokens").value()).length;
            if (n != s.vocab()) throw new TesseraException("model random: the vocabulary has " + n + " tokens, the shape needs " + s.vocab());
            w.putAll(vocabulary);
        }

        SplittableRandom root = new SplittableRandom(seed);
        matrix(w, "token_embd.weight", s.dim(), s.vocab(), base, s.sigma(), root.split());
        w.addTensor("output_norm.weight", new long[]{s.dim()}, norm(s.dim(), root.split()));
        GGMLType outType = base.isQuantized() && base != GGMLType.Q8_0 ? GGMLType.Q6_K : base;
        matrix(w, "output.weight", s.dim(), s.vocab(), outType, s.sigma(), root.split());
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            boolean moreBits = mix && (l < s.layers() / 8 || l >= 7 * s.layers() / 8 || (l - s.layers() / 8) % 3 == 2);
            w.addTensor(b + "attn_norm.weight", new long[]{s.dim()}, norm(s.dim(), root.split()));
            matrix(w, b + "attn_q.weight", s.dim(), s.heads() * hd, base, 0.02, root.split());
            matrix(w, b + "attn_k.weight", s.dim(), s.kvHeads() * hd, base, 0.02, root.split());
            matrix(w, b + "attn_v.weight", s.dim(), s.kvHeads() * hd, moreBits ? GGMLType.Q6_K : base, 0.02, root.split());
            matrix(w, b + "attn_output.weight", s.heads() * hd, s.dim(), base, 0.02, root.split());
            if (s.arch().equals("qwen3")) {
                w.addTensor(b + "attn_q_norm.weight", new long[]{hd}, norm(hd, root.split()));
                w.addTensor(b + "attn_k_norm.weight", new long[]{hd}, norm(hd, root.split()));
            }
            if (s.arch().equals("qwen2")) {
                w.addTensor(b + "attn_q.bias", new long[]{s.heads() * hd}, gaussian(s.heads() * hd, 0.02, root.split()));
                w.addTensor(b + "attn_k.bias", new long[]{s.kvHeads() * hd}, gaussian(s.kvHeads() * hd, 0.02, root.split()));
                w.addTensor(b + "attn_v.bias", new long[]{s.kvHeads() * hd}, gaussian(s.kvHeads() * hd, 0.02, root.split()));
            }
            w.addTensor(b + "ffn_norm.weight", new long[]{s.dim()}, norm(s.dim(), root.split()));
            matrix(w, b + "ffn_gate.weight", s.dim(), s.ffn(), base, 0.02, root.split());
            matrix(w, b + "ffn_up.weight", s.dim(), s.ffn(), base, 0.02, root.split());
            matrix(w, b + "ffn_down.weight", s.ffn(), s.dim(), moreBits ? GGMLType.Q6_K : base, 0.02, root.split());
        }
        w.put("general.file_type", fileType(t));
        w.put("general.quantization_version", 2);
        w.write(out);
    }

    private static int fileType(String t) {
        return switch (t) {
            case "F32" -> 0; case "F16" -> 1; case "Q4_0" -> 2; case "Q4_1" -> 3; case "Q8_0" -> 7;
            case "Q5_0" -> 8; case "Q5_1" -> 9; case "Q2_K" -> 10; case "Q3_K" -> 11; case "Q4_K", "Q4_K_M" -> 15;
            case "Q5_K", "Q5_K_M" -> 17; case "Q6_K" -> 18; case "BF16" -> 32; default -> 0;
        };
    }

    /** Norm weights near 1 (1 + N(0, 0.05)), so that a norm applied to the wrong vector shows. */
    private static float[] norm(int n, SplittableRandom rng) {
        float[] v = gaussian(n, 0.05, rng);
        for (int i = 0; i < n; i++) v[i] += 1f;
        return v;
    }

    private static float[] gaussian(int n, double sigma, SplittableRandom rng) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rng.nextGaussian() * sigma);
        return v;
    }

    private static void matrix(GGUFWriter w, String name, int cols, int rows, GGMLType type, double sigma, SplittableRandom rng) {
        if (cols % type.blockSize != 0) type = GGMLType.F16;
        long seed = rng.nextLong();
        int chunk = 64;
        int chunks = (rows + chunk - 1) / chunk;
        byte[][] parts = new byte[chunks][];
        final GGMLType ty = type;
        IntStream.range(0, chunks).parallel().forEach(c -> {
            int r0 = c * chunk, r1 = Math.min(rows, r0 + chunk);
            SplittableRandom r = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * c);
            float[] v = new float[(r1 - r0) * cols];
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * sigma);
            parts[c] = Quantizer.quantize(ty, v);
        });
        long total = 0;
        for (byte[] p : parts) total += p.length;
        java.lang.foreign.MemorySegment all = java.lang.foreign.Arena.ofAuto().allocate(total, 64);
        long off = 0;
        for (byte[] p : parts) {
            java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(p), 0, all, off, p.length);
            off += p.length;
        }
        w.addTensor(name, type, new long[]{cols, rows}, all);
    }

    /** The tokenizer metadata ({@code tokenizer.*} keys) of a GGUF file, which must hold {@code vocab} tokens. */
    private static Map<String, GGUFValue> vocabulary(Path gguf, int vocab) {
        Map<String, GGUFValue> m = new LinkedHashMap<>();
        try (GGUFFile f = GGUFFile.open(gguf)) {
            int n = f.getStringArray("tokenizer.ggml.tokens").length;
            if (n != vocab) throw new TesseraException(gguf + ": vocabulary has " + n + " tokens, the shape needs " + vocab);
            f.metadata().forEach((k, v) -> { if (k.startsWith("tokenizer.")) m.put(k, v); });
        }
        return m;
    }

    /**
     * A synthetic SentencePiece-style vocabulary as GGUF tokenizer metadata: {@code <unk>}, {@code <s>},
     * {@code </s>}, the 256 byte tokens, then filler pieces ("▁e", "▁t", ...) with decreasing scores.
     */
    public static Map<String, GGUFValue> syntheticVocabulary(int vocab) {
        String[] tokens = new String[vocab];
        float[] scores = new float[vocab];
        int[] types = new int[vocab];
        tokens[0] = "<unk>"; types[0] = 2;
        tokens[1] = "<s>"; types[1] = 3;
        tokens[2] = "</s>"; types[2] = 3;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = 6;
        }
        String letters = "etaoinshrdlucmfwypvbgkjqxz";
        for (int i = 259; i < vocab; i++) {
            int k = i - 259;
            StringBuilder sb = new StringBuilder("\u2581");
            do { sb.append(letters.charAt(k % 26)); k /= 26; } while (k > 0);
            tokens[i] = sb.toString();
            scores[i] = -i;
            types[i] = 1;
        }
        Map<String, GGUFValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GGUFValue.of("llama"));
        m.put("tokenizer.ggml.tokens", GGUFValue.of(tokens));
        m.put("tokenizer.ggml.scores", GGUFValue.of(scores));
        m.put("tokenizer.ggml.token_type", GGUFValue.of(types));
        m.put("tokenizer.ggml.bos_token_id", GGUFValue.ofUInt32(1));
        m.put("tokenizer.ggml.eos_token_id", GGUFValue.ofUInt32(2));
        m.put("tokenizer.ggml.unknown_token_id", GGUFValue.ofUInt32(0));
        m.put("tokenizer.ggml.add_bos_token", GGUFValue.of(true));
        m.put("tokenizer.ggml.add_eos_token", GGUFValue.of(false));
        return m;
    }
}
