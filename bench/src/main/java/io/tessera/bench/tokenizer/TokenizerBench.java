package io.tessera.bench.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import io.tessera.tokenizer.Tiktoken;
import io.tessera.tokenizer.Tokenizer;
import io.tessera.tokenizer.hf.HFTokenizer;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;

/**
 * Single-thread tokenizer throughput: Tessera against Hugging Face tokenizers (Rust, through DJL's
 * JNI binding, fetching ids only, its fastest path) and jtokkit, line by line over samples of the
 * shared corpora, in one run. Prints MB/s (UTF-8 input bytes per second, best of the rounds), the
 * ratios, and Java heap bytes allocated per MB encoded (the Rust side's allocations are not visible).
 *
 * <pre>
 * java -cp ... io.tessera.bench.tokenizer.TokenizerBench [--shared DIR] [--mb 1.0] [--rounds 3] [--only llama3,cl100k]
 * </pre>
 */
public final class TokenizerBench {

    record Case(String name, String tesseraFile, String hfJson, EncodingType jtokkit) {}

    static final List<Case> CASES = List.of(
            new Case("llama2", "llama2/tokenizer.json", "llama2/tokenizer.json", null),
            new Case("llama3", "llama3/tokenizer.json", "llama3/tokenizer.json", null),
            new Case("qwen3", "qwen3/tokenizer.json", "qwen3/tokenizer.json", null),
            new Case("gemma3", "gemma3/tokenizer.json", "gemma3/tokenizer.json", null),
            new Case("gpt4o", "gpt4o/tokenizer.json", "gpt4o/tokenizer.json", EncodingType.O200K_BASE),
            new Case("bert-minilm", "bert-minilm/tokenizer.json", "bert-minilm/tokenizer.json", null),
            new Case("cl100k_base", "tiktoken-cl100k_base/cl100k_base.tiktoken", null, EncodingType.CL100K_BASE),
            new Case("o200k_base", "tiktoken-o200k_base/o200k_base.tiktoken", "gpt4o/tokenizer.json", EncodingType.O200K_BASE));

    public static void main(String[] args) throws Exception {
        Path shared = Path.of("../shared");
        double mb = 1.0;
        int rounds = 3;
        List<String> only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shared" -> shared = Path.of(args[++i]);
                case "--mb" -> mb = Double.parseDouble(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--only" -> only = Arrays.asList(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<String> lines = new ArrayList<>();
        long bytes = 0;
        StringBuilder sample = new StringBuilder();
        for (String corpus : List.of("english", "code", "multilingual", "adversarial")) {
            long b = 0;
            for (String l : lines(Files.readAllBytes(shared.resolve("corpus/" + corpus + ".txt")))) {
                if (b >= mb * 1e6) break;
                lines.add(l);
                b += l.getBytes(StandardCharsets.UTF_8).length + 1;
            }
            sample.append(String.format(Locale.ROOT, "%s %.2f MB, ", corpus, b / 1e6));
            bytes += b;
        }
        System.out.printf(Locale.ROOT, "sample: %s%d lines, %.2f MB; single thread, line by line, best of %d rounds; Java %s%n%n",
                sample, lines.size(), bytes / 1e6, rounds, System.getProperty("java.version"));
        System.out.printf(Locale.ROOT, "| tokenizer | Tessera MB/s | HF tokenizers MB/s | jtokkit MB/s | Tessera / HF | Tessera / jtokkit | Tessera alloc B/MB | HF alloc B/MB | jtokkit alloc B/MB |%n");
        System.out.printf(Locale.ROOT, "|---|---:|---:|---:|---:|---:|---:|---:|---:|%n");
        Path tokDir = shared.resolve("tokenizers");
        for (Case c : CASES) {
            if (only != null && !only.contains(c.name())) continue;
            Path f = tokDir.resolve(c.tesseraFile());
            Tokenizer t = f.toString().endsWith(".tiktoken") ? Tiktoken.load(f) : HFTokenizer.load(f);
            boolean parse = !(t instanceof Tiktoken);
            Result tess = run(lines, bytes, rounds, l -> t.encode(l, false, parse).length);
            Result hf = null;
            if (c.hfJson() != null) {
                try (HuggingFaceTokenizer h = HuggingFaceTokenizer.builder().optTokenizerPath(tokDir.resolve(c.hfJson()))
                        .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build()) {
                    long handle = h.getHandle();
                    TokenizersLibrary lib = TokenizersLibrary.LIB;
                    hf = run(lines, bytes, rounds, l -> {
                        long enc = lib.encode(handle, l, false);
                        int n = lib.getTokenIds(enc).length;
                        lib.deleteEncoding(enc);
                        return n;
                    });
                }
            }
            Result jt = null;
            if (c.jtokkit() != null) {
                var enc = Encodings.newDefaultEncodingRegistry().getEncoding(c.jtokkit());
                jt = run(lines, bytes, rounds, l -> enc.encodeOrdinary(l).size());
            }
            System.out.printf(Locale.ROOT, "| %s | %.2f | %s | %s | %s | %s | %s | %s | %s |%n", c.name(), tess.mbps,
                    hf == null ? "-" : String.format(Locale.ROOT, "%.2f", hf.mbps),
                    jt == null ? "-" : String.format(Locale.ROOT, "%.2f", jt.mbps),
                    hf == null ? "-" : String.format(Locale.ROOT, "%.1fx", tess.mbps / hf.mbps),
                    jt == null ? "-" : String.format(Locale.ROOT, "%.2fx", tess.mbps / jt.mbps),
                    human(tess.allocPerMb), hf == null ? "-" : human(hf.allocPerMb), jt == null ? "-" : human(jt.allocPerMb));
        }
    }

    record Result(double mbps, double allocPerMb) {}

    static volatile long sink;

    static Result run(List<String> lines, long bytes, int rounds, ToIntFunction<String> enc) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long s = 0;
        for (String l : lines) s += enc.applyAsInt(l); // warm-up
        double best = Double.MAX_VALUE;
        double alloc = 0;
        for (int r = 0; r < rounds; r++) {
            long a0 = mx.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            for (String l : lines) s += enc.applyAsInt(l);
            double sec = (System.nanoTime() - t0) / 1e9;
            long a1 = mx.getCurrentThreadAllocatedBytes();
            if (sec < best) {
                best = sec;
                alloc = (a1 - a0) / (bytes / 1e6);
            }
        }
        sink = s;
        return new Result(bytes / 1e6 / best, alloc);
    }

    static String human(double b) {
        if (b >= 1e6) return String.format(Locale.ROOT, "%.1f M", b / 1e6);
        if (b >= 1e3) return String.format(Locale.ROOT, "%.0f k", b / 1e3);
        return String.format(Locale.ROOT, "%.0f", b);
    }

    static List<String> lines(byte[] all) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                out.add(new String(all, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < all.length) out.add(new String(all, start, all.length - start, StandardCharsets.UTF_8));
        return out;
    }
}
