package io.tessera.cli;

import io.tessera.train.Trainer;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress on stderr: on a terminal, one status line rewritten in place (step, bar, loss, held-out
 * loss, tokens/s, ETA) at most 5 times a second; otherwise plain lines, one per 1% of the run (at least every
 * 30 s) and one per held-out evaluation. The launcher tells whether stderr is a terminal (it filters stderr
 * through a pipe): system property {@code tessera.stderr.tty}.
 */
final class Progress {
    private final PrintStream err;
    private final boolean tty;
    private final long start;
    private final int total;
    private final long every;
    private final long t0 = System.nanoTime();
    private long lastDraw, lastLine;
    private long windowStart = System.nanoTime(), windowTokens;
    private double windowSeconds;
    private double tokensPerSecond = Double.NaN;
    private double loss = Double.NaN, heldOut = Double.NaN;
    private long step;
    private boolean drawn;

    Progress(PrintStream err, boolean tty, long startStep, int totalSteps) {
        this.err = err;
        this.tty = tty;
        this.start = startStep;
        this.step = startStep;
        this.total = totalSteps;
        this.every = Math.max(1, (totalSteps - startStep) / 100);
        this.lastLine = t0;
    }

    static boolean stderrIsTerminal() {
        return Boolean.getBoolean("tessera.stderr.tty");
    }

    void step(Trainer.StepInfo s) {
        step = s.step();
        loss = s.loss();
        long now = System.nanoTime();
        // training speed: tokens over the steps' own time (evaluations and checkpoints excluded; the ETA includes them)
        windowTokens += tokensPerStep;
        windowSeconds += tokensPerStep / s.tokensPerSecond();
        if (now - windowStart > 1_000_000_000L || Double.isNaN(tokensPerSecond)) {
            tokensPerSecond = windowTokens / windowSeconds;
            windowStart = now;
            windowTokens = 0;
            windowSeconds = 0;
        }
        if (tty) {
            if (now - lastDraw > 200_000_000L || step == total) draw(now);
        } else if ((step - start) % every == 0 || step == total || now - lastLine > 30_000_000_000L) {
            err.println(status(now));
            lastLine = now;
        }
    }

    private long tokensPerStep;

    /** Token slots (batch x seqLen) of one step. */
    void tokensPerStep(long n) {
        this.tokensPerStep = n;
    }

    void evaluated(long step, double heldOutLoss) {
        this.heldOut = heldOutLoss;
        long now = System.nanoTime();
        if (tty) {
            draw(now);
        } else {
            err.printf(Locale.ROOT, "eval step %d: held-out loss %.4f (perplexity %.2f)%n", step, heldOutLoss, Math.exp(heldOutLoss));
        }
    }

    /** Ends the status line before other output. */
    void message(String line) {
        if (tty && drawn) {
            err.print("\r\033[K");
            err.println(line);
            draw(System.nanoTime());
        } else {
            err.println(line);
        }
    }

    void finish() {
        if (tty && drawn) {
            draw(System.nanoTime());
            err.println();
            drawn = false;
        }
    }

    private void draw(long now) {
        String s = status(now);
        err.print("\r\033[K" + s);
        err.flush();
        lastDraw = now;
        drawn = true;
    }

    String status(long now) {
        StringBuilder sb = new StringBuilder();
        int width = String.valueOf(total).length();
        sb.append(String.format(Locale.ROOT, "step %" + width + "d/%d", step, total));
        if (tty) {
            int cells = 24, full = (int) (cells * step / Math.max(1, total));
            sb.append(" [").append("#".repeat(full)).append(".".repeat(cells - full)).append(']');
        }
        sb.append(String.format(Locale.ROOT, " loss %.4f", loss));
        if (!Double.isNaN(heldOut)) sb.append(String.format(Locale.ROOT, " held-out %.4f", heldOut));
        if (!Double.isNaN(tokensPerSecond)) sb.append(String.format(Locale.ROOT, " %.0f tok/s", tokensPerSecond));
        long done = step - start;
        double elapsed = (now - t0) / 1e9;
        if (done > 0 && step < total) sb.append(" ETA ").append(duration(elapsed / done * (total - step)));
        else sb.append(" elapsed ").append(duration(elapsed));
        return sb.toString();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
