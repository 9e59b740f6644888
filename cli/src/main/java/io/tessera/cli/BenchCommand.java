package io.tessera.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.model.MemoryBandwidth;
import io.tessera.model.Model;
import io.tessera.model.Session;
import io.tessera.model.gguf.GGUFTensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "bench", description = "Prompt-processing and generation speed of a model, in the spirit of llama-bench.",
        subcommands = {BenchCommand.Memory.class, BenchSpecCommand.class})
final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "GGUF model (required unless a subcommand is given)") Path model;
    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N", description = "prompt tokens (default ${DEFAULT-VALUE}; 0 skips)") int prompt = 512;
    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", description = "generated tokens (default ${DEFAULT-VALUE}; 0 skips)") int gen = 128;
    @Option(names = {"-t", "--threads"}, paramLabel = "T", description = "compute threads (default: one per core)") int threads = Runtime.getRuntime().availableProcessors();
    @Option(names = {"-r", "--repetitions"}, paramLabel = "R", description = "repetitions (default ${DEFAULT-VALUE})") int reps = 3;
    @Option(names = "--json", description = "print one JSON object") boolean json;
    @Option(names = "--verbose", description = "print stack traces on errors") boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (model == null) throw new IllegalArgumentException("bench: -m MODEL is required (or use 'tessera bench memory')");
        if (prompt < 0 || gen < 0 || reps < 1 || threads < 1) throw new IllegalArgumentException("-p, -n must be >= 0; -r, -t >= 1");
        long t0 = System.nanoTime();
        try (Model m = Model.load(model)) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            int vocab = m.config().vocabSize();
            SplittableRandom rnd = new SplittableRandom(42);
            int ctx = Math.max(prompt, gen + 1) + 1;
            double[] pp = new double[0], tg = new double[0];
            // start-up to the first token, as a user sees it: JVM start, loading, a 4-token prompt with the JIT cold
            int first = Math.min(4, m.config().contextLength());
            try (Session s = m.newSession(first, threads)) {
                s.prefill(rnd.ints(first, 0, vocab).toArray());
            }
            long firstTokenMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
            // untimed warm-up (at least 2 s of short runs) lets the JIT compile the kernels first
            long warm = System.nanoTime();
            do {
                if (prompt > 0) run(m, ctx, rnd, vocab, true, Math.min(prompt, 32), 1);
                if (gen > 0) run(m, ctx, rnd, vocab, false, Math.min(gen, 16), 1);
            } while (System.nanoTime() - warm < 2_000_000_000L);
            if (prompt > 0) pp = run(m, ctx, rnd, vocab, true, prompt, reps);
            if (gen > 0) tg = run(m, ctx, rnd, vocab, false, gen, reps);
            long bytes = bytesPerToken(m);
            var out = Main.OUT;
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("model", model.getFileName().toString()).put("threads", threads).put("load_ms", loadMs)
                        .put("first_token_ms", firstTokenMs)
                        .put("n_prompt", prompt).put("n_gen", gen).put("repetitions", reps)
                        .put("pp_tokens_per_s", median(pp)).put("pp_min", min(pp)).put("pp_max", max(pp))
                        .put("tg_tokens_per_s", median(tg)).put("tg_min", min(tg)).put("tg_max", max(tg))
                        .put("bytes_per_token", bytes).put("tg_gbps", median(tg) * bytes / 1e9);
                out.println(new ObjectMapper().writeValueAsString(o));
            } else {
                out.printf("model %s, %d threads, loaded in %.0f ms, first token %d ms after JVM start, %.1f MB of weights read per generated token%n",
                        model.getFileName(), threads, loadMs, firstTokenMs, bytes / 1e6);
                out.printf("%-8s %8s %10s %10s %10s %10s%n", "test", "tokens", "median t/s", "min", "max", "GB/s");
                if (pp.length > 0) out.printf("%-8s %8d %10.2f %10.2f %10.2f %10s%n", "pp", prompt, median(pp), min(pp), max(pp), "");
                if (tg.length > 0) out.printf("%-8s %8d %10.2f %10.2f %10.2f %10.2f%n", "tg", gen, median(tg), min(tg), max(tg), median(tg) * bytes / 1e9);
            }
            out.flush();
        }
        return 0;
    }

    /** Tokens per second of each repetition: prompt processing of n random tokens, or n decode steps after BOS. */
    private double[] run(Model m, int ctx, SplittableRandom rnd, int vocab, boolean promptTest, int n, int repetitions) {
        double[] r = new double[repetitions];
        for (int i = 0; i < repetitions; i++) {
            try (Session s = m.newSession(ctx, threads)) {
                if (promptTest) {
                    int[] tokens = rnd.ints(n, 0, vocab).toArray();
                    long t0 = System.nanoTime();
                    s.prefill(tokens);
                    r[i] = n * 1e9 / (System.nanoTime() - t0);
                } else {
                    int bos = Math.max(0, m.tokenizer().bos());
                    long t0 = System.nanoTime();
                    float[] logits = s.prefill(new int[]{bos});
                    for (int k = 1; k < n; k++) logits = s.decode(rnd.nextInt(vocab));
                    r[i] = n * 1e9 / (System.nanoTime() - t0);
                }
            }
        }
        return r;
    }

    /** Weight bytes one decode step reads: every matrix once, but a single row of the embedding table. */
    static long bytesPerToken(Model m) {
        long total = 0;
        for (GGUFTensorInfo t : m.gguf().tensors().values()) total += t.byteSize();
        GGUFTensorInfo emb = m.gguf().tensor("token_embd.weight");
        boolean tied = m.gguf().tensorOrNull("output.weight") == null;
        return tied ? total + emb.byteSize() / emb.rows() : total - emb.byteSize() + emb.byteSize() / emb.rows();
    }

    private static double median(double[] v) {
        if (v.length == 0) return 0;
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) { return v.length == 0 ? 0 : Arrays.stream(v).min().getAsDouble(); }
    private static double max(double[] v) { return v.length == 0 ? 0 : Arrays.stream(v).max().getAsDouble(); }

    @Command(name = "memory", description = "This machine's memory read bandwidth with the given threads.")
    static final class Memory implements Callable<Integer> {
        @Option(names = {"-t", "--threads"}, paramLabel = "T") int threads = Runtime.getRuntime().availableProcessors();
        @Option(names = "--size-mb", paramLabel = "MB", description = "buffer size (default ${DEFAULT-VALUE})") int sizeMb = 1024;
        @Option(names = {"-r", "--repetitions"}, paramLabel = "R") int reps = 5;
        @Option(names = "--json", description = "print one JSON object") boolean json;

        @Override
        public Integer call() throws Exception {
            double[] g = MemoryBandwidth.measure((long) sizeMb << 20, threads, reps);
            double best = Arrays.stream(g).max().getAsDouble();
            if (json) {
                Main.OUT.println(new ObjectMapper().createObjectNode().put("threads", threads).put("read_gbps", best)
                        .put("median_gbps", median(g)).toString());
            } else {
                Main.OUT.printf("memory read, %d threads, %d MB buffer: %.1f GB/s best, %.1f GB/s median of %d%n",
                        threads, sizeMb, best, median(g), reps);
            }
            Main.OUT.flush();
            return 0;
        }
    }
}
