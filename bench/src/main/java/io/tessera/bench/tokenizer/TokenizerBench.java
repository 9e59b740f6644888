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
 * shared corpora, in one run. The contenders of a tokenizer take turns round by round (Tessera, HF,
 * jtokkit, Tessera, HF, jtokkit, ...) so a burst of load on a shared machine hits them alike. Prints
 * MB/s (UTF-8 input bytes per second, best of the rounds), the median (and range) of the per-round
 * speed ratios (and their median on thread CPU time), Java heap bytes allocated per MB encoded (the Rust side's allocations are not
 * visible), and the load average before and after.
 *
 * <pre>
 * java -cp ... io.tessera.bench.tokenizer.TokenizerBench [--shared DIR] [--mb 1.0] [--rounds 5] [--only llama3,cl100k]
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
        int rounds = 5;
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
        System.out.printf(Locale.ROOT, "sample: %s%d lines, %.2f MB; single thread, line by line, %d interleaved rounds; Java %s; load average %s%n%n",
                sample, lines.size(), bytes / 1e6, rounds, System.getProperty("java.version"), loadAverage());
        System.out.printf(Locale.ROOT, "| tokenizer | Tessera MB/s | HF tokenizers MB/s | jtokkit MB/s | Tessera / HF | Tessera / jtokkit | Tessera alloc B/MB | HF alloc B/MB | jtokkit alloc B/MB |%n");
        System.out.printf(Locale.ROOT, "|---|---:|---:|---:|---:|---:|---:|---:|---:|%n");
        Path tokDir = shared.resolve("tokenizers");
        for (Case c : CASES) {
            if (only != null && !only.contains(c.name())) continue;
            Path f = tokDir.resolve(c.tesseraFile());
            Tokenizer t = f.toString().endsWith(".tiktoken") ? Tiktoken.load(f) : HFTokenizer.load(f);
            boolean parse = !(t instanceof Tiktoken);
            List<ToIntFunction<String>> encoders = new ArrayList<>();
            encoders.add(l -> t.encode(l, false, parse).length);
            HuggingFaceTokenizer h = null;
            if (c.hfJson() != null) {
                h = HuggingFaceTokenizer.builder().optTokenizerPath(tokDir.resolve(c.hfJson()))
                        .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build();
                long handle = h.getHandle();
                TokenizersLibrary lib = TokenizersLibrary.LIB;
                encoders.add(l -> {
                    long enc = lib.encode(handle, l, false);
                    int n = lib.getTokenIds(enc).length;
                    lib.deleteEncoding(enc);
                    return n;
                });
            }
            if (c.jtokkit() != null) {
                var enc = Encodings.newDefaultEncodingRegistry().getEncoding(c.jtokkit());
                encoders.add(l -> enc.encodeOrdinary(l).size());
            }
            Round[][] r = run(lines, bytes, rounds, encoders);
            if (h != null) h.close();
            int k = 1;
            Round[] hf = c.hfJson() != null ? r[k++] : null;
            Round[] jt = c.jtokkit() != null ? r[k] : null;
            System.out.printf(Locale.ROOT, "| %s | %.2f | %s | %s | %s | %s | %s | %s | %s |%n", c.name(), best(r[0], bytes),
                    hf == null ? "-" : String.format(Locale.ROOT, "%.2f", best(hf, bytes)),
                    jt == null ? "-" : String.format(Locale.ROOT, "%.2f", best(jt, bytes)),
                    hf == null ? "-" : ratios(r[0], hf), jt == null ? "-" : ratios(r[0], jt),
                    human(alloc(r[0], bytes)), hf == null ? "-" : human(alloc(hf, bytes)), jt == null ? "-" : human(alloc(jt, bytes)));
        }
        System.out.printf(Locale.ROOT, "%nload average after: %s%n", loadAverage());
    }

    /** One timed pass over the sample: wall seconds, this thread's CPU seconds and Java heap bytes allocated. */
    record Round(double sec, double cpu, long alloc) {}

    static volatile long sink;

    /** Warms every encoder up, then times them in turn, round after round: {@code [encoder][round]}. */
    static Round[][] run(List<String> lines, long bytes, int rounds, List<ToIntFunction<String>> encoders) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long s = 0;
        for (ToIntFunction<String> enc : encoders) for (String l : lines) s += enc.applyAsInt(l);
        Round[][] out = new Round[encoders.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int e = 0; e < encoders.size(); e++) {
                ToIntFunction<String> enc = encoders.get(e);
                long a0 = mx.getCurrentThreadAllocatedBytes();
                long c0 = mx.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                for (String l : lines) s += enc.applyAsInt(l);
                double sec = (System.nanoTime() - t0) / 1e9;
                out[e][r] = new Round(sec, (mx.getCurrentThreadCpuTime() - c0) / 1e9, mx.getCurrentThreadAllocatedBytes() - a0);
            }
        }
        sink = s;
        return out;
    }

    static double best(Round[] rs, long bytes) {
        double b = Double.MAX_VALUE;
        for (Round r : rs) b = Math.min(b, r.sec());
        return bytes / 1e6 / b;
    }

    /** Allocation per MB in the fastest round. */
    static double alloc(Round[] rs, long bytes) {
        Round b = rs[0];
        for (Round r : rs) if (r.sec() < b.sec()) b = r;
        return b.alloc() / (bytes / 1e6);
    }

    /**
     * Median of the per-round speed ratios of {@code a} over {@code b}, with their range, on wall time;
     * then the median on thread CPU time, which time spent descheduled by other load does not inflate.
     */
    static String ratios(Round[] a, Round[] b) {
        double[] q = new double[a.length], c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            q[i] = b[i].sec() / a[i].sec();
            c[i] = b[i].cpu() / a[i].cpu();
        }
        Arrays.sort(q);
        return String.format(Locale.ROOT, "%.2fx (%.2f-%.2f; CPU %.2fx)", median(q), q[0], q[q.length - 1], median(c));
    }

    static double median(double[] v) {
        double[] q = v.clone();
        Arrays.sort(q);
        int n = q.length;
        return n % 2 == 1 ? q[n / 2] : (q[n / 2 - 1] + q[n / 2]) / 2;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
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
