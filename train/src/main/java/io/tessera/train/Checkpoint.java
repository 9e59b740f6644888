package io.tessera.train;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGMLType;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFTensorInfo;
import io.tessera.model.gguf.GGUFValue;
import io.tessera.model.gguf.GGUFWriter;
import io.tessera.model.tensor.Quantizer;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checkpoints as GGUF files. {@code model.gguf} is a plain llama GGUF (llama.* metadata, the tokenizer
 * metadata given by the caller, tensors named as llama.cpp names them; matrices F32 or F16, norm vectors
 * always F32 as llama.cpp writes them; no {@code output.weight} when the output is tied, which llama.cpp
 * and Tessera read as "use token_embd"), loadable by Tessera's {@code Model.load} and by llama.cpp.
 *
 * <p>The training state goes to a sidecar {@code model.gguf.train}, itself a GGUF file that no model loader
 * will pick up by extension: metadata {@code training.step}, {@code training.config.<key>} for every
 * {@link TrainConfig} key, the optimizer's scalar state, and tensors {@code <name>} (the F32 master
 * weights, exact even when the model file is F16), {@code <name>.m}, {@code <name>.v} and, for AdEMAMix,
 * {@code <name>.m2}. The sidecar is written first, then the model; both files are written to a temporary
 * sibling and renamed, so neither is ever half-written, and the model file records the same
 * {@code training.step} so that a mismatched pair is detected on resume.
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final String STEP_KEY = "training.step";

    public static Path sidecar(Path model) {
        return model.resolveSibling(model.getFileName() + ".train");
    }

    /** Writes the model GGUF alone. {@code type} is F32 or F16. */
    public static void writeModel(Path path, TrainConfig c, Params p, Map<String, GGUFValue> tokenizer, GGMLType type, long step) {
        if (type != GGMLType.F32 && type != GGMLType.F16) throw new TesseraException(path + ": checkpoints are F32 or F16, not " + type);
        GGUFWriter w = new GGUFWriter();
        String a = "llama.";
        w.put("general.architecture", "llama");
        w.put("general.name", "tessera-trained");
        w.put("general.file_type", type == GGMLType.F32 ? 0 : 1);
        w.put(a + "context_length", c.seqLen);
        w.put(a + "embedding_length", c.dim);
        w.put(a + "block_count", c.layers);
        w.put(a + "feed_forward_length", c.ffn);
        w.put(a + "attention.head_count", c.heads);
        w.put(a + "attention.head_count_kv", c.kvHeads);
        w.put(a + "attention.key_length", c.headDim());
        w.put(a + "attention.value_length", c.headDim());
        w.put(a + "rope.dimension_count", c.headDim());
        w.put(a + "attention.layer_norm_rms_epsilon", c.rmsEps);
        w.put(a + "rope.freq_base", c.ropeTheta);
        w.put(a + "vocab_size", c.vocab);
        if (tokenizer != null) {
            tokenizer.forEach((k, v) -> {
                if (!k.startsWith("tokenizer.")) throw new TesseraException(path + ": tokenizer metadata key '" + k + "' does not start with 'tokenizer.'");
                w.put(k, v);
            });
        }
        w.put(STEP_KEY, GGUFValue.of(step));
        for (Param t : p.all()) {
            long[] shape = t.isMatrix() ? new long[]{t.cols, t.rows} : new long[]{t.cols};
            if (t.isMatrix() && type == GGMLType.F16) {
                w.addTensor(t.name, GGMLType.F16, shape, Quantizer.quantize(GGMLType.F16, t.w));
            } else {
                w.addTensor(t.name, shape, t.w);
            }
        }
        w.write(path);
    }

    /** Writes the training state sidecar, then the model file. */
    static void write(Path path, TrainConfig c, Params p, Optimizer opt, Map<String, GGUFValue> tokenizer, GGMLType type, long step,
                      double[] targetCounts) {
        GGUFWriter w = new GGUFWriter();
        w.put("general.architecture", "tessera-training-state");
        w.put(STEP_KEY, GGUFValue.of(step));
        if (targetCounts != null) w.put(TARGET_COUNTS_KEY, GGUFValue.of(targetCounts)); // doubles: resume stays bit-identical
        c.toMap().forEach((k, v) -> w.put("training.config." + k, v));
        opt.saveScalars((k, v) -> w.put("training.optimizer." + k, v));
        for (Param t : p.all()) {
            long[] shape = {t.size()};
            w.addTensor(t.name, shape, t.w);
            for (Map.Entry<String, float[]> e : opt.state(t).entrySet()) w.addTensor(t.name + "." + e.getKey(), shape, e.getValue());
        }
        w.write(sidecar(path));
        writeModel(path, c, p, tokenizer, type, step);
    }

    /** The training state of a checkpoint, ready to resume. */
    record State(TrainConfig config, long step, Map<String, GGUFValue> optimizerScalars, Map<String, float[]> tensors,
                 Map<String, GGUFValue> tokenizer, double[] targetCounts) {}

    /** The rare-token gating's running counts (objectives state), when the run used it. */
    static final String TARGET_COUNTS_KEY = "training.objectives.target_counts";

    static State read(Path model) {
        Path side = sidecar(model);
        if (!Files.exists(model)) throw new TesseraException(model + ": checkpoint not found");
        if (!Files.exists(side)) throw new TesseraException(side + ": training state of checkpoint " + model + " not found");
        long modelStep;
        Map<String, GGUFValue> tokenizer = new LinkedHashMap<>();
        try (GGUFFile f = GGUFFile.open(model)) {
            if (!f.has(STEP_KEY)) throw new TesseraException(model + ": not a Tessera training checkpoint (no metadata '" + STEP_KEY + "')");
            modelStep = f.getLong(STEP_KEY);
            f.metadata().forEach((k, v) -> { if (k.startsWith("tokenizer.")) tokenizer.put(k, v); });
        }
        try (GGUFFile f = GGUFFile.open(side)) {
            long step = f.getLong(STEP_KEY);
            if (step != modelStep) {
                throw new TesseraException(side + ": training state is from step " + step + " but " + model + " from step " + modelStep);
            }
            Map<String, String> cfg = new LinkedHashMap<>();
            Map<String, GGUFValue> scalars = new LinkedHashMap<>();
            f.metadata().forEach((k, v) -> {
                if (k.startsWith("training.config.")) cfg.put(k.substring("training.config.".length()), (String) v.value());
                if (k.startsWith("training.optimizer.")) scalars.put(k.substring("training.optimizer.".length()), v);
            });
            TrainConfig c = TrainConfig.fromMap(cfg).validate();
            Map<String, float[]> tensors = new LinkedHashMap<>();
            for (GGUFTensorInfo t : f.tensors().values()) {
                if (t.type() != GGMLType.F32) throw new TesseraException(side + ": tensor '" + t.name() + "' is " + t.type() + ", expected F32");
                float[] a = new float[(int) t.elementCount()];
                for (int i = 0; i < a.length; i++) a[i] = t.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i);
                tensors.put(t.name(), a);
            }
            double[] counts = null;
            if (f.has(TARGET_COUNTS_KEY)) {
                if (!(f.metadata().get(TARGET_COUNTS_KEY).value() instanceof double[] d)) {
                    throw new TesseraException(side + ": metadata '" + TARGET_COUNTS_KEY + "' is not an array of FLOAT64");
                }
                counts = d;
            }
            return new State(c, step, scalars, tensors, tokenizer, counts);
        }
    }
}
