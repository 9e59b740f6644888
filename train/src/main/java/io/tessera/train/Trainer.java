package io.tessera.train;

import io.tessera.TesseraException;
import io.tessera.model.Parallel;
import io.tessera.model.gguf.GGMLType;
import io.tessera.model.gguf.GGUFValue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Trains a {@code llama} model on a packed {@link Dataset}.
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(config, data);                 // fresh weights from config.seed
 * trainer.checkpointEvery(100, Path.of("run/model.gguf"), tokenizerMetadata, GGMLType.F16);
 * trainer.train(1000, s -> System.err.println(s));             // StepInfo per step
 * Trainer again = Trainer.resume(Path.of("run/model.gguf"), data); // continues bit-identically
 * }</pre>
 *
 * One step: the step's batch, forward, backward, global gradient-norm clipping (clipNorm), the learning
 * rate of the schedule, one optimizer update. A non-finite loss or gradient stops training with a
 * {@link TesseraException} before the weights are touched; checkpoints already written stay as they are.
 */
public final class Trainer implements AutoCloseable {
    private final TrainConfig c;
    private final Dataset data;
    private final Params params;
    private final Parallel parallel;
    private final TrainModel model;
    private final Optimizer optimizer;
    private long step;
    private Objectives objectives;
    private double[] resumedTargetCounts; // objectives state of the checkpoint this run resumed from

    private int checkpointEvery;
    private Path checkpointPath;
    private Map<String, GGUFValue> tokenizer;
    private GGMLType checkpointType = GGMLType.F32;
    private Path lastCheckpoint;
    private long lastCheckpointStep = -1;

    /** Statistics of one finished step. */
    public record StepInfo(long step, double loss, float lr, double gradNorm, double tokensPerSecond) {
        @Override
        public String toString() {
            return String.format("step %d loss %.4f lr %.3g grad-norm %.3g %.0f tok/s", step, loss, lr, gradNorm, tokensPerSecond);
        }
    }

    @FunctionalInterface
    public interface Callback {
        void onStep(StepInfo info);
    }

    public Trainer(TrainConfig config, Dataset data) {
        this(config.copy().validate(), data, null);
    }

    private Trainer(TrainConfig c, Dataset data, Checkpoint.State state) {
        this.c = c;
        this.data = data;
        if (data.seqLen() != c.seqLen) throw new TesseraException("train: data rows hold " + data.seqLen() + " tokens, config seqLen is " + c.seqLen);
        this.params = new Params(c);
        this.parallel = new Parallel(c.threads);
        this.model = new TrainModel(c, params, parallel);
        this.optimizer = new Optimizer(c, params.all());
        if (state != null) {
            for (Param p : params.all()) {
                float[] w = state.tensors().get(p.name);
                if (w == null || w.length != p.size()) throw new TesseraException("resume: weights '" + p.name + "' missing or of the wrong size");
                System.arraycopy(w, 0, p.w, 0, w.length);
            }
            optimizer.load(state.optimizerScalars(), state.tensors(), "resume");
            this.step = state.step();
            this.tokenizer = state.tokenizer();
        }
    }

    /**
     * Continues from a checkpoint written by this trainer (model GGUF plus its {@code .train} sidecar), with
     * the configuration recorded in it; {@code threads} may differ (results do not depend on it).
     */
    public static Trainer resume(Path checkpoint, Dataset data) {
        return resume(checkpoint, data, -1);
    }

    public static Trainer resume(Path checkpoint, Dataset data, int threads) {
        Checkpoint.State s = Checkpoint.read(checkpoint);
        TrainConfig c = s.config();
        if (threads > 0) c.threads = threads;
        Trainer t = new Trainer(c, data, s);
        t.lastCheckpoint = checkpoint;
        t.lastCheckpointStep = s.step();
        t.resumedTargetCounts = s.targetCounts();
        return t;
    }

    /** Writes a checkpoint every {@code every} steps (0 = never) to {@code path}, replacing the previous one. */
    public Trainer checkpointEvery(int every, Path path, Map<String, GGUFValue> tokenizerMetadata, GGMLType type) {
        this.checkpointEvery = every;
        this.checkpointPath = path;
        if (tokenizerMetadata != null) this.tokenizer = tokenizerMetadata;
        this.checkpointType = type;
        return this;
    }

    /** Token-level objectives (loss weights, selective loss, gradient gating, low-probability damping). */
    public Trainer objectives(Objectives o) {
        this.objectives = o;
        if (resumedTargetCounts != null) o.restoreTargetCounts(resumedTargetCounts);
        return this;
    }

    public TrainConfig config() {
        return c.copy();
    }

    public Params params() {
        return params;
    }

    public TrainModel model() {
        return model;
    }

    /** Steps done so far. */
    public long step() {
        return step;
    }

    /** Runs {@code steps} optimizer steps. */
    public void train(int steps, Callback callback) {
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            Batch b = data.batch(step, c.batch, c.seed);
            params.zeroGrad();
            double loss = model.forward(b);
            if (objectives != null) loss = objectives.apply(model, b);
            if (!Double.isFinite(loss)) diverged("loss is " + loss);
            model.backward(objectives != null ? objectives.outputGradHook() : null);
            double norm = gradNorm();
            if (!Double.isFinite(norm)) diverged("gradient norm is " + norm);
            if (c.clipNorm > 0 && norm > c.clipNorm) {
                float f = (float) (c.clipNorm / (norm + 1e-6));
                for (Param p : params.all()) for (int k = 0; k < p.g.length; k++) p.g[k] *= f;
            }
            float lr = LrSchedule.at(c, step + 1);
            optimizer.step(lr);
            step++;
            if (checkpointEvery > 0 && step % checkpointEvery == 0) save(checkpointPath);
            if (callback != null) {
                double secs = (System.nanoTime() - t0) / 1e9;
                callback.onStep(new StepInfo(step, loss, lr, norm, b.size() / secs));
            }
        }
    }

    private void diverged(String what) {
        String kept = lastCheckpoint != null ? "; the last good checkpoint " + lastCheckpoint + " (step " + lastCheckpointStep + ") is kept"
                : "; no checkpoint was written yet";
        throw new TesseraException("train: step " + (step + 1) + ": " + what + " (training diverged; lower lr or clipNorm)" + kept);
    }

    /** Global l2 norm of all gradients, summed in double in a fixed order. */
    public double gradNorm() {
        double s = 0;
        for (Param p : params.all()) for (float g : p.g) s += (double) g * g;
        return Math.sqrt(s);
    }

    /** Writes a checkpoint (model GGUF + training-state sidecar) now. */
    public void save(Path path) {
        Checkpoint.write(path, c, params, optimizer, tokenizer, checkpointType, step,
                objectives != null ? objectives.targetCounts() : null);
        lastCheckpoint = path;
        lastCheckpointStep = step;
    }

    /** Mean per-token loss over every row of {@code d} (weights as packed), in batches of config.batch rows. */
    public double evaluate(Dataset d) {
        double sum = 0, w = 0;
        for (int r = 0; r < d.rows(); r += c.batch) {
            Batch b = d.rows(r, Math.min(d.rows(), r + c.batch));
            model.forward(b);
            float[] l = model.tokenLosses();
            for (int t = 0; t < b.size(); t++) {
                sum += (double) b.weights()[t] * l[t];
                w += b.weights()[t];
            }
        }
        return w == 0 ? 0 : sum / w;
    }

    @Override
    public void close() {
        parallel.close();
    }

    List<Param> all() {
        return params.all();
    }
}
