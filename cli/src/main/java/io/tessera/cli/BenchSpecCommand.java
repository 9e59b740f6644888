package io.tessera.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.TesseraException;
import io.tessera.generate.GenerationResult;
import io.tessera.generate.Generator;
import io.tessera.generate.SamplerConfig;
import io.tessera.generate.spec.SpecStats;
import io.tessera.generate.spec.Speculation;
import io.tessera.model.Model;
import io.tessera.model.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bench spec}: each speculative mode against plain decoding on three kinds of prompt (free continuation,
 * copy-heavy, code), repetitions interleaved mode by mode so that a change in machine load hits all alike.
 */
@Command(name = "spec", description = "Speculative decoding: acceptance, tokens per target pass, tokens/s and speedup over plain decoding for each mode.")
final class BenchSpecCommand implements Callable<Integer> {
    @Mixin ModelOptions opts;
    @Mixin SpecOptions spec;
    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", description = "generated tokens per run (default ${DEFAULT-VALUE})") int n = 128;
    @Option(names = {"-r", "--repetitions"}, paramLabel = "R", description = "repetitions (default ${DEFAULT-VALUE})") int reps = 3;
    @Option(names = "--modes", paramLabel = "M,M,...", split = ",", description = "modes to run (default: all)") List<String> modes;
    @Option(names = "--prompts", paramLabel = "P,P,...", split = ",", description = "prompt kinds: free, copy, code (default: all)")
    List<String> prompts = List.of("free", "copy", "code");
    @Option(names = {"--temperature", "--temp"}, paramLabel = "T", description = "0 = greedy (default ${DEFAULT-VALUE})") float temperature = 0f;
    @Option(names = "--drafts-sweep", paramLabel = "K,K,...", split = ",",
            description = "run multi-draft once per number of drafts (block efficiency against k)") List<Integer> sweep;
    @Option(names = "--json", description = "print one JSON object") boolean json;

    private record Row(String prompt, String mode, double tokensPerSecond, double speedup, double acceptance, double perPass) {}

    @Override
    public Integer call() throws Exception {
        opts.check();
        if (n < 1 || reps < 1) throw new TesseraException("-n and -r must be at least 1");
        List<Speculation.Mode> chosen = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Integer> ks = new ArrayList<>();
        for (String m : modes != null ? modes : Arrays.stream(Speculation.Mode.values()).map(x -> x.flag).toList()) {
            Speculation.Mode mode = Speculation.Mode.parse(m);
            for (int k : mode == Speculation.Mode.MULTI_DRAFT && sweep != null ? sweep : List.of(spec.drafts)) {
                if (k < 1) throw new TesseraException("--drafts-sweep: every k must be at least 1, got " + k);
                chosen.add(mode);
                ks.add(k);
                labels.add(mode == Speculation.Mode.MULTI_DRAFT && sweep != null ? mode.flag + " k=" + k : mode.flag);
            }
        }
        boolean needDraft = chosen.stream().anyMatch(m -> m.needsDraft);
        List<Row> rows = new ArrayList<>();
        try (Model model = Model.load(opts.modelPath()); Model draft = needDraft ? spec.loadDraft(Speculation.Mode.DRAFT, opts) : null) {
            SamplerConfig sc = SamplerConfig.defaults().withTemperature(temperature);
            for (String kind : prompts) {
                String text = prompt(kind);
                double[][] speed = new double[chosen.size() + 1][reps];
                // counts summed over the recorded repetitions, each with its own sampling seed
                long[] steps = new long[chosen.size() + 1], drafted = new long[chosen.size() + 1];
                long[] accepted = new long[chosen.size() + 1], emitted = new long[chosen.size() + 1];
                // r = -1: warm-up rounds, not recorded, repeated for at least 3 s so that the JIT has compiled the kernels
                long warmUntil = System.nanoTime() + 3_000_000_000L;
                for (int r = -1; r < reps; r = r < 0 && System.nanoTime() < warmUntil ? -1 : r + 1) {
                    for (int i = 0; i <= chosen.size(); i++) {
                        Speculation s = null;
                        if (i > 0) {
                            Speculation.Mode mode = chosen.get(i - 1);
                            s = spec.speculation(mode, ks.get(i - 1), mode.needsDraft ? draft : null);
                        }
                        GenerationResult g = run(model, s, sc.withSeed(1 + Math.max(0, r)), text);
                        if (r < 0) continue;
                        speed[i][r] = i == 0 ? g.generationTokensPerSecond() : g.tokens().length * 1e9 / g.generationNanos();
                        if (g.speculation() != null) {
                            steps[i] += g.speculation().steps();
                            drafted[i] += g.speculation().drafted();
                            accepted[i] += g.speculation().accepted();
                            emitted[i] += g.speculation().emitted();
                        }
                    }
                }
                double plain = median(speed[0]);
                rows.add(new Row(kind, "plain", plain, 1.0, 0, 1.0));
                for (int i = 1; i <= chosen.size(); i++) {
                    double v = median(speed[i]);
                    SpecStats st = new SpecStats(steps[i], drafted[i], accepted[i], emitted[i]);
                    rows.add(new Row(kind, labels.get(i - 1), v, v / plain, st.acceptanceRate(), st.meanAcceptedLength()));
                }
            }
            print(model, draft, rows);
        }
        return 0;
    }

    private GenerationResult run(Model model, Speculation s, SamplerConfig sc, String text) {
        try (Session session = model.newSession(opts.ctx, opts.threads)) {
            int[] tokens = model.tokenizer().encode(text, true, true);
            if (tokens.length + n > session.contextLength()) {
                throw new TesseraException("bench spec: prompt (" + tokens.length + " tokens) plus -n " + n
                        + " do not fit in the context of " + session.contextLength());
            }
            return new Generator(model).sampler(sc).maxTokens(n).ignoreEos(true).speculation(s).run(session, tokens, t -> true);
        }
    }

    static String prompt(String kind) throws IOException {
        try (InputStream in = BenchSpecCommand.class.getResourceAsStream("/bench/spec-" + kind + ".txt")) {
            if (in == null) throw new TesseraException("bench spec: unknown prompt kind '" + kind + "' (free, copy, code)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).stripTrailing();
        }
    }

    private void print(Model model, Model draft, List<Row> rows) throws IOException {
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.put("model", model.path().toString());
            if (draft != null) o.put("draft", draft.path().toString());
            o.put("threads", opts.threads).put("n_gen", n).put("repetitions", reps).put("temperature", temperature);
            ArrayNode a = o.putArray("results");
            for (Row r : rows) {
                a.addObject().put("prompt", r.prompt).put("mode", r.mode).put("tokens_per_s", r.tokensPerSecond)
                        .put("speedup", r.speedup).put("acceptance_rate", r.acceptance).put("tokens_per_pass", r.perPass);
            }
            Main.OUT.println(mapper.writeValueAsString(o));
        } else {
            Main.OUT.printf("model %s%s, %d threads, %d tokens, %d repetitions (tokens/s: medians; acceptance, tok/pass: totals; seeds 1..R), temperature %s%n",
                    model.path().getFileName(), draft != null ? ", draft " + draft.path().getFileName() : "",
                    opts.threads, n, reps, temperature);
            Main.OUT.printf("%-6s %-16s %10s %8s %11s %10s%n", "prompt", "mode", "tokens/s", "speedup", "acceptance", "tok/pass");
            for (Row r : rows) {
                Main.OUT.printf("%-6s %-16s %10.1f %7.2fx %10.1f%% %10.2f%n", r.prompt, r.mode, r.tokensPerSecond, r.speedup,
                        100 * r.acceptance, r.perPass);
            }
        }
        Main.OUT.flush();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
