package io.tessera.cli;

import io.tessera.train.RunConfig;
import io.tessera.train.TrainRun;
import io.tessera.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "train", description = "Train a llama model as a JSON config says (keys: README, section Training).")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "JSON run configuration") Path config;
    @Option(names = "--resume", description = "continue from the checkpoint the config names") boolean resume;
    @Option(names = {"-t", "--threads"}, paramLabel = "T", description = "compute threads (default: the config's, else one per core); results do not depend on it") Integer threads;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a config key, e.g. --set steps=20 --set model.dim=128 (repeatable)") List<String> overrides = new ArrayList<>();
    @Option(names = "--write-text", paramLabel = "DIR", description = "write the run's documents as DIR/train.txt and DIR/heldout.txt (split as training splits them) and exit") Path writeText;
    @Option(names = "--verbose", description = "print stack traces on errors") boolean verbose;

    @Override
    public Integer call() {
        RunConfig rc = RunConfig.load(config, overrides);
        if (writeText != null) {
            TrainRun.TextSplit t = TrainRun.writeText(rc, writeText);
            Main.ERR.printf(Locale.ROOT, "wrote %s (%d documents, %.2f MB) and %s (%d documents, %.2f MB)%n",
                    t.train(), t.trainDocs(), t.trainChars() / 1e6, t.heldOut(), t.heldOutDocs(), t.heldOutChars() / 1e6);
            return 0;
        }
        if (threads != null) {
            if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
            rc.train.threads = threads;
        }
        Progress[] progress = new Progress[1];
        long t0 = System.nanoTime();
        TrainRun.Result r = TrainRun.run(rc, resume, new TrainRun.Listener() {
            @Override
            public void prepared(TrainRun.Prepared p) {
                Main.ERR.printf(Locale.ROOT, "corpus: %d documents (%d held out), %d training tokens in %d rows of %d (%.1f%% padding), %d held-out tokens%n",
                        p.trainDocs() + p.heldOutDocs(), p.heldOutDocs(), p.trainTokens(), p.rows(), p.config().seqLen, 100 * p.padding(), p.heldOutTokens());
                Main.ERR.printf(Locale.ROOT, "model: %.2fM parameters (dim %d, %d layers, %d heads, %d kv heads, ffn %d, vocab %d), %s, batch %d x %d, %d threads%s%n",
                        p.parameters() / 1e6, p.config().dim, p.config().layers, p.config().heads, p.config().kvHeads, p.config().ffn,
                        p.config().vocab, p.config().optimizer, p.config().batch, p.config().seqLen, p.config().threads,
                        p.startStep() > 0 ? ", resuming at step " + p.startStep() : "");
                progress[0] = new Progress(Main.ERR, Progress.stderrIsTerminal(), p.startStep(), p.steps());
                progress[0].tokensPerStep((long) p.config().batch * p.config().seqLen);
            }

            @Override
            public void step(Trainer.StepInfo s) {
                progress[0].step(s);
            }

            @Override
            public void evaluated(long step, double loss) {
                progress[0].evaluated(step, loss);
            }

            @Override
            public void checkpointed(long step, Path path) {
                if (!Progress.stderrIsTerminal()) Main.ERR.println("checkpoint step " + step + ": " + path);
            }
        });
        if (progress[0] != null) progress[0].finish();
        String held = Double.isNaN(r.heldOutLoss()) ? "no held-out set"
                : String.format(Locale.ROOT, "held-out loss %.4f (perplexity %.2f)", r.heldOutLoss(), Math.exp(r.heldOutLoss()));
        String trained = Double.isNaN(r.trainLoss()) ? "no steps left to train" : String.format(Locale.ROOT, "train loss %.4f", r.trainLoss());
        Main.ERR.printf(Locale.ROOT, "done: step %d, %s, %s, %s in %s%n",
                r.step(), trained, held, r.checkpoint(), Progress.duration((System.nanoTime() - t0) / 1e9));
        Main.ERR.println("loss plot: " + r.plot());
        return 0;
    }
}
