package io.tessera.train;

import io.tessera.TesseraException;
import io.tessera.model.Parallel;
import io.tessera.model.gguf.GGMLType;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFTensorInfo;
import io.tessera.tokenizer.Tokenizer;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One training run from a {@link RunConfig}: reads and tokenizes the corpus, holds out documents, packs rows,
 * trains (fresh, or resumed from the checkpoint), evaluates the held-out loss every {@code evalEvery} steps,
 * writes checkpoints every {@code checkpointEvery} steps and at the end, and keeps the loss curves beside the
 * checkpoint: {@code NAME.loss.csv} (step, train loss, held-out loss) and the plot {@code NAME.loss.png},
 * where the checkpoint is {@code NAME.gguf}. A diverging loss stops the run with the trainer's one-line message;
 * the last checkpoint stays as it was and the curves up to the last good step are written.
 */
public final class TrainRun {
    private TrainRun() {}

    /** What the run is about to train on. */
    public record Prepared(int trainDocs, int heldOutDocs, long trainTokens, long heldOutTokens, int rows,
                           double padding, long parameters, long startStep, int steps, TrainConfig config) {}

    public record Result(long step, double trainLoss, double heldOutLoss, Path checkpoint, Path plot) {}

    public interface Listener {
        default void prepared(Prepared p) {}
        default void step(Trainer.StepInfo s) {}
        default void evaluated(long step, double heldOutLoss) {}
        default void checkpointed(long step, Path path) {}
    }

    public static Path lossCsv(Path checkpoint) {
        return sibling(checkpoint, ".loss.csv");
    }

    public static Path lossPng(Path checkpoint) {
        return sibling(checkpoint, ".loss.png");
    }

    private static Path sibling(Path checkpoint, String suffix) {
        String n = checkpoint.getFileName().toString();
        if (n.toLowerCase(Locale.ROOT).endsWith(".gguf")) n = n.substring(0, n.length() - 5);
        return checkpoint.resolveSibling(n + suffix);
    }

    public static Result run(RunConfig rc, boolean resume, Listener listener) {
        Path ck = rc.checkpoint;
        boolean exists = Files.exists(ck);
        if (exists && !resume) throw new TesseraException(ck + ": checkpoint exists; pass --resume to continue it, or remove it to start over");
        if (!exists && resume) throw new TesseraException(ck + ": no checkpoint to resume");

        TokenizerFile tf = TokenizerFile.load(rc.tokenizer);
        Tokenizer tok = tf.tokenizer();
        List<String> texts = rc.format.equals("brown") ? BrownCorpus.documents(rc.corpus) : Corpus.texts(rc.corpus, rc.separator);
        List<int[]> docs = Corpus.encode(texts, tok);
        if (docs.isEmpty()) throw new TesseraException("corpus " + rc.corpus + ": no text (every document is empty)");

        TrainConfig c = rc.train.copy();
        c.vocab = tok.vocabSize();
        c.validate();
        long need = RunConfig.memoryEstimate(c), have = Runtime.getRuntime().maxMemory();
        if (need > have * 0.9) {
            throw new TesseraException(String.format(Locale.ROOT, "model: this shape needs about %.2f GB for weights, optimizer state and the activations of one batch"
                    + " (batch %d x seqLen %d), more than the %.2f GB heap; lower batch, seqLen or the shape, or raise -Xmx (TESSERA_JAVA_OPTS)",
                    need / 1e9, c.batch, c.seqLen, have / 1e9));
        }
        Corpus.Split split = Corpus.split(docs, rc.heldOut, c.seed);
        if (rc.heldOut > 0 && split.heldOut().isEmpty()) {
            throw new TesseraException("corpus: " + docs.size() + " document(s), none can be held out: separate documents with lines '<|endoftext|>'"
                    + " (key separator; \"\" splits at blank lines), or set heldOut to 0");
        }
        if (split.train().isEmpty()) throw new TesseraException("corpus: no training documents left after holding out " + rc.heldOut);
        Dataset train = Dataset.pack(split.train(), c.seqLen, 0);
        Dataset held = split.heldOut().isEmpty() ? null : Dataset.pack(split.heldOut(), c.seqLen, 0);
        if (held != null && rc.evalTokens > 0 && (long) held.rows() * c.seqLen > rc.evalTokens) {
            held = held.firstRows(Math.max(1, rc.evalTokens / c.seqLen));
        }

        List<LossPlot.Point> trainCurve = new ArrayList<>(), heldCurve = new ArrayList<>();
        Trainer trainer;
        if (resume) {
            Checkpoint.State s = Checkpoint.read(ck);
            Map<String, String> want = c.toMap(), got = s.config().toMap();
            for (String k : want.keySet()) {
                if (k.equals("threads")) continue;
                if (!want.get(k).equals(got.get(k))) {
                    throw new TesseraException(ck + ": the checkpoint was trained with " + k + " = " + got.get(k) + " but the config says " + want.get(k)
                            + "; resume with the same config");
                }
            }
            trainer = Trainer.resume(ck, train, c.threads);
            readCurves(lossCsv(ck), trainer.step(), trainCurve, heldCurve);
        } else {
            trainer = new Trainer(c, train);
        }
        Parallel refPar = null;
        try {
            trainer.checkpointEvery(0, ck, tf.metadata(), rc.checkpointType);
            if (rc.lowProbAlpha > 0 || rc.rareTokenThreshold > 0 || rc.selectiveKeep < 1) {
                Objectives o = new Objectives();
                if (rc.lowProbAlpha > 0) o.lowProbDamping(rc.lowProbAlpha);
                if (rc.rareTokenThreshold > 0) o.rareTokenGating(rc.rareTokenThreshold, rc.rareTokenDecay);
                if (rc.selectiveKeep < 1) {
                    refPar = new Parallel(c.threads);
                    o.selective(rc.selectiveKeep, new TrainModel(c, loadWeights(rc.reference, c), refPar));
                }
                trainer.objectives(o);
            }
            long start = trainer.step();
            if (listener != null) {
                listener.prepared(new Prepared(split.train().size(), split.heldOut().size(), train.tokens(), held == null ? 0 : held.tokens(),
                        train.rows(), train.paddingFraction(), trainer.params().count(), start, rc.steps, c));
            }
            double lastTrain = Double.NaN, lastHeld = heldCurve.isEmpty() ? Double.NaN : heldCurve.get(heldCurve.size() - 1).loss();
            try {
                while (trainer.step() < rc.steps) {
                    double[] loss = {Double.NaN};
                    trainer.train(1, s -> {
                        loss[0] = s.loss();
                        trainCurve.add(new LossPlot.Point(s.step(), s.loss()));
                        if (listener != null) listener.step(s);
                    });
                    lastTrain = loss[0];
                    long step = trainer.step();
                    boolean end = step == rc.steps;
                    if (held != null && ((rc.evalEvery > 0 && step % rc.evalEvery == 0) || end)) {
                        lastHeld = trainer.evaluate(held);
                        heldCurve.add(new LossPlot.Point(step, lastHeld));
                        if (listener != null) listener.evaluated(step, lastHeld);
                    }
                    if ((rc.checkpointEvery > 0 && step % rc.checkpointEvery == 0) || end) {
                        trainer.save(ck);
                        writeCurves(ck, trainCurve, heldCurve);
                        if (listener != null) listener.checkpointed(step, ck);
                    }
                }
            } catch (TesseraException e) {
                writeCurves(ck, trainCurve, heldCurve);
                throw e;
            }
            if (start >= rc.steps) writeCurves(ck, trainCurve, heldCurve);
            return new Result(trainer.step(), lastTrain, lastHeld, ck, lossPng(ck));
        } finally {
            trainer.close();
            if (refPar != null) refPar.close();
        }
    }

    /** What {@link #writeText} wrote. */
    public record TextSplit(Path train, Path heldOut, int trainDocs, int heldOutDocs, long trainChars, long heldOutChars) {}

    /**
     * Writes the run's documents as UTF-8 text, split exactly as {@link #run} splits them (same documents, same
     * held-out choice): {@code dir/train.txt} and {@code dir/heldout.txt}, each document followed by a line
     * holding only {@code <|endoftext|>} (the text format's default separator, and a special token of the
     * tokenizer trainer, so it is never counted as words). For training a tokenizer on exactly the training
     * documents and scoring the held-out ones with {@code tessera eval --separator}. Needs no tokenizer; a
     * document that is blank is left out as in training. Files are written to a temporary name and renamed.
     */
    public static TextSplit writeText(RunConfig rc, Path dir) {
        List<String> texts = rc.format.equals("brown") ? BrownCorpus.documents(rc.corpus) : Corpus.texts(rc.corpus, rc.separator);
        List<String> docs = new ArrayList<>();
        for (String t : texts) if (!t.isBlank()) docs.add(t.strip());
        if (docs.isEmpty()) throw new TesseraException("corpus " + rc.corpus + ": no text (every document is empty)");
        boolean[] held = Corpus.heldOutMask(docs.size(), rc.heldOut, rc.train.seed);
        StringBuilder tr = new StringBuilder(), ho = new StringBuilder();
        int nt = 0, nh = 0;
        for (int i = 0; i < docs.size(); i++) {
            StringBuilder sb = held[i] ? ho : tr;
            sb.append(docs.get(i)).append("\n<|endoftext|>\n");
            if (held[i]) nh++; else nt++;
        }
        Path trainTxt = dir.resolve("train.txt"), heldTxt = dir.resolve("heldout.txt");
        try {
            Files.createDirectories(dir);
            for (var e : List.of(Map.entry(trainTxt, tr), Map.entry(heldTxt, ho))) {
                Path tmp = e.getKey().resolveSibling(e.getKey().getFileName() + ".tmp");
                Files.writeString(tmp, e.getValue(), StandardCharsets.UTF_8);
                Files.move(tmp, e.getKey(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new TesseraException(dir + ": cannot write: " + e.getMessage());
        }
        return new TextSplit(trainTxt, heldTxt, nt, nh, tr.length(), ho.length());
    }

    static void writeCurves(Path ck, List<LossPlot.Point> train, List<LossPlot.Point> held) {
        StringBuilder sb = new StringBuilder("step,train_loss,heldout_loss\n");
        int h = 0;
        for (LossPlot.Point p : train) {
            while (h < held.size() && held.get(h).step() < p.step()) { // held-out points without a train point
                sb.append(held.get(h).step()).append(",,").append(held.get(h).loss()).append('\n');
                h++;
            }
            sb.append(p.step()).append(',').append(p.loss()).append(',');
            if (h < held.size() && held.get(h).step() == p.step()) sb.append(held.get(h++).loss());
            sb.append('\n');
        }
        for (; h < held.size(); h++) sb.append(held.get(h).step()).append(",,").append(held.get(h).loss()).append('\n');
        Path csv = lossCsv(ck);
        try {
            Path tmp = csv.resolveSibling(csv.getFileName() + ".tmp");
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            Files.move(tmp, csv, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TesseraException(csv + ": cannot write: " + e.getMessage());
        }
        LossPlot.write(lossPng(ck), "loss: " + ck.getFileName(), train, held);
    }

    /** Reads the curves of a resumed run, up to {@code upTo} (later points belong to steps that are redone). */
    static void readCurves(Path csv, long upTo, List<LossPlot.Point> train, List<LossPlot.Point> held) {
        if (!Files.exists(csv)) return;
        try {
            for (String line : Files.readAllLines(csv)) {
                String[] f = line.split(",", -1);
                if (f.length != 3 || f[0].equals("step")) continue;
                long step = Long.parseLong(f[0]);
                if (step > upTo) continue;
                if (!f[1].isEmpty()) train.add(new LossPlot.Point(step, Double.parseDouble(f[1])));
                if (!f[2].isEmpty()) held.add(new LossPlot.Point(step, Double.parseDouble(f[2])));
            }
        } catch (IOException | NumberFormatException e) {
            throw new TesseraException(csv + ": cannot read the loss log: " + e.getMessage());
        }
    }

    /** The weights of a llama GGUF (F32 or F16 tensors) of exactly shape {@code c}. */
    static Params loadWeights(Path gguf, TrainConfig c) {
        Params p = new Params(c);
        try (GGUFFile f = GGUFFile.open(gguf)) {
            for (Param t : p.all()) {
                GGUFTensorInfo info = f.tensorOrNull(t.name);
                if (info == null) throw new TesseraException(gguf + ": no tensor '" + t.name + "' (the reference model must have the trained model's shape)");
                if (info.elementCount() != t.size()) throw new TesseraException(gguf + ": tensor '" + t.name + "' has " + info.elementCount() + " values, expected " + t.size());
                var le = ByteOrder.LITTLE_ENDIAN;
                if (info.type() == GGMLType.F32) {
                    for (int i = 0; i < t.size(); i++) t.w[i] = info.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), 4L * i);
                } else if (info.type() == GGMLType.F16) {
                    for (int i = 0; i < t.size(); i++) t.w[i] = Float.float16ToFloat(info.data().get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), 2L * i));
                } else {
                    throw new TesseraException(gguf + ": tensor '" + t.name + "' is " + info.type() + "; the reference model must be F32 or F16");
                }
            }
        }
        return p;
    }
}
