package io.tessera.cli;

import io.tessera.tokenizer.train.BpeTrainer;
import io.tessera.tokenizer.train.Progress;
import io.tessera.tokenizer.train.TrainedBpe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "tokenizer", description = "Tokenizer files.", subcommands = TokenizerCommand.Train.class)
final class TokenizerCommand {

    @Command(name = "train", description = {
            "Train a byte-level BPE tokenizer (Hugging Face BpeTrainer semantics) on UTF-8 text files and write its tokenizer.json.",
            "Each line (with its line ending) is pre-tokenized with Llama 3's split regex (or GPT-2's) and byte-level mapping; "
                    + "the vocabulary is the special tokens, the 256 byte-level characters, then one token per merge."})
    static final class Train implements Callable<Integer> {
        @Option(names = "--vocab-size", required = true, paramLabel = "N", description = "vocabulary size, special tokens and alphabet included") int vocabSize;
        @Option(names = "--min-frequency", defaultValue = "0", paramLabel = "F", description = "merge only pairs seen at least F times (default ${DEFAULT-VALUE})") long minFrequency;
        @Option(names = "--special-tokens", paramLabel = "LIST", split = ",", description = "special tokens, comma-separated, ids 0, 1, ... (e.g. \"<|endoftext|>\")") List<String> specials = new ArrayList<>();
        @Option(names = "--limit-alphabet", paramLabel = "N", description = "keep at most N characters in the initial alphabet") Integer limitAlphabet;
        @Option(names = "--max-token-length", paramLabel = "N", description = "learn no token of N or more characters (bytes), as Hugging Face's max_token_length") Integer maxTokenLength;
        @Option(names = "--split", defaultValue = "llama3", paramLabel = "STYLE", description = "pre-tokenizer regex: llama3 or gpt2 (default ${DEFAULT-VALUE})") String split;
        @Option(names = "--threads", paramLabel = "N", description = "threads for counting words (default: all processors)") Integer threads;
        @Option(names = "--no-progress", description = "no progress bar on stderr") boolean noProgress;
        @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "the tokenizer.json to write (replaced atomically)") Path out;
        @Parameters(arity = "1..*", paramLabel = "FILES", description = "UTF-8 text files") List<Path> files;
        @Option(names = "--verbose", description = "print stack traces on errors") boolean verbose;

        @Override
        public Integer call() {
            BpeTrainer.Split style = switch (split.toLowerCase(Locale.ROOT)) {
                case "llama3", "llama-bpe" -> BpeTrainer.Split.LLAMA3;
                case "gpt2", "gpt-2" -> BpeTrainer.Split.GPT2;
                default -> throw new IllegalArgumentException("--split: expected llama3 or gpt2, got '" + split + "'");
            };
            if (vocabSize < 1) throw new IllegalArgumentException("--vocab-size must be positive: " + vocabSize);
            BpeTrainer t = new BpeTrainer().vocabSize(vocabSize).minFrequency(minFrequency).specialTokens(specials).split(style);
            if (limitAlphabet != null) t.limitAlphabet(limitAlphabet);
            if (maxTokenLength != null) t.maxTokenLength(maxTokenLength);
            if (threads != null) t.threads(threads);
            if (!noProgress) t.progress(new Bar(Main.ERR));
            long t0 = System.nanoTime();
            TrainedBpe bpe = t.train(files);
            bpe.write(out);
            Main.ERR.printf(Locale.ROOT, "wrote %s: %d tokens, %d merges, in %.1f s%n", out, bpe.vocab().size(), bpe.merges().size(),
                    (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }

    /** A one-line progress bar with ETA, redrawn at most every 100 ms. */
    static final class Bar implements Progress {
        private final PrintStream err;
        private String stage, unit;
        private long total, start, last;
        private int width;

        Bar(PrintStream err) {
            this.err = err;
        }

        @Override
        public void begin(String stage, long total, String unit) {
            this.stage = stage;
            this.total = total;
            this.unit = unit;
            start = System.nanoTime();
            last = 0;
            draw(0, false);
        }

        @Override
        public void update(long done) {
            long now = System.nanoTime();
            if (now - last < 100_000_000L) return;
            last = now;
            draw(done, false);
        }

        @Override
        public void end(long done) {
            draw(done, true);
        }

        private void draw(long done, boolean finished) {
            double f = total <= 0 ? 1 : Math.min(1, (double) done / total);
            int n = (int) (f * 30);
            double secs = (System.nanoTime() - start) / 1e9;
            String eta = finished ? String.format(Locale.ROOT, "%.1f s", secs)
                    : done > 0 ? "ETA " + fmt(secs * (total - done) / done) : "ETA ?";
            String line = String.format(Locale.ROOT, "%-17s [%s%s] %3d%% %s/%s %s  %s", stage, "#".repeat(n), ".".repeat(30 - n),
                    (int) (f * 100), amount(done), amount(total), unit, eta);
            String pad = line.length() < width ? " ".repeat(width - line.length()) : "";
            width = line.length();
            err.print("\r" + line + pad + (finished ? "\n" : ""));
            err.flush();
        }

        private String amount(long v) {
            if (!unit.equals("chars")) return Long.toString(v);
            return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        }

        private static String fmt(double s) {
            if (s < 60) return String.format(Locale.ROOT, "%.0f s", s);
            return String.format(Locale.ROOT, "%d min %02d s", (long) s / 60, (long) s % 60);
        }
    }
}
