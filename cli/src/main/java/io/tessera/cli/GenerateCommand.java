package io.tessera.cli;

import io.tessera.generate.GenerationResult;
import io.tessera.generate.Generator;
import io.tessera.generate.spec.SpecStats;
import io.tessera.generate.SamplerConfig;
import io.tessera.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "generate", description = "Generate text from a prompt; only the generated text goes to stdout.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin ModelOptions opts;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "PROMPT") String prompt;
    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", description = "tokens to generate (default ${DEFAULT-VALUE})") int n = 128;
    @Option(names = {"--temperature", "--temp"}, paramLabel = "T", description = "0 = greedy (default ${DEFAULT-VALUE})") float temperature = 0.8f;
    @Option(names = "--top-k", paramLabel = "K", description = "0 = off (default ${DEFAULT-VALUE})") int topK = 40;
    @Option(names = "--top-p", paramLabel = "P", description = "1 = off (default ${DEFAULT-VALUE})") float topP = 0.95f;
    @Option(names = "--min-p", paramLabel = "M", description = "0 = off (default ${DEFAULT-VALUE})") float minP = 0.05f;
    @Option(names = "--repeat-penalty", paramLabel = "R", description = "1 = off (default ${DEFAULT-VALUE})") float repeatPenalty = 1f;
    @Option(names = "--presence-penalty", paramLabel = "P") float presencePenalty = 0f;
    @Option(names = "--frequency-penalty", paramLabel = "F") float frequencyPenalty = 0f;
    @Option(names = "--repeat-last-n", paramLabel = "N", description = "tokens the penalties look back at, -1 = all (default ${DEFAULT-VALUE})") int repeatLastN = 64;
    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: random)") Long seed;
    @Option(names = "--ignore-eos", description = "keep generating past end-of-text tokens") boolean ignoreEos;
    @Mixin SpecOptions spec;

    @Override
    public Integer call() {
        opts.check();
        if (n < 0) throw new IllegalArgumentException("-n must be >= 0, got " + n);
        SamplerConfig sc = new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, presencePenalty,
                frequencyPenalty, repeatLastN, seed != null ? seed : System.nanoTime());
        long t0 = System.nanoTime();
        try (Model model = Model.load(opts.modelPath()); Model draft = spec.loadDraft(opts)) {
            long loaded = System.nanoTime();
            Main.ERR.printf("load: %s in %.0f ms%n", model.path().getFileName(), (loaded - t0) / 1e6);
            GenerationResult r = new Generator(model).sampler(sc).maxTokens(n).ignoreEos(ignoreEos)
                    .threads(opts.threads).contextLength(opts.ctx).speculation(spec.speculation(draft))
                    .generate(prompt, (String text) -> { Main.OUT.print(text); Main.OUT.flush(); });
            Main.OUT.flush();
            Main.ERR.println(); // ends the streamed line on a terminal without adding to stdout
            Main.ERR.printf("prompt: %d tokens, %.2f tokens/s%n", r.promptTokens().length, r.promptTokensPerSecond());
            Main.ERR.printf("generation: %d tokens, %.2f tokens/s (%s, %d threads)%n", r.tokens().length,
                    r.generationTokensPerSecond(), r.stopReason(), opts.threads);
            if (r.speculation() != null) {
                SpecStats st = r.speculation();
                Main.ERR.printf("speculation (%s): %d target passes, %d drafted, %d accepted (%.1f%%), %.2f tokens per pass%n",
                        spec.mode, st.steps(), st.drafted(), st.accepted(), 100 * st.acceptanceRate(), st.meanAcceptedLength());
            }
        }
        return 0;
    }
}
