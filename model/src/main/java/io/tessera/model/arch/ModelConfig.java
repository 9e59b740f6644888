package io.tessera.model.arch;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGUFFile;

/** Hyper-parameters of a transformer, read from GGUF metadata ({@code ARCH.*} keys). */
public record ModelConfig(
        Architecture architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffnDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeTheta,
        int ropeDim,
        float ropeFreqScale) {

    public int qDim() { return heads * headDim; }

    /** The same model with {@code n} layers (a sub-network of it). */
    public ModelConfig withLayers(int n) {
        return new ModelConfig(architecture, dim, n, heads, kvHeads, headDim, ffnDim, vocabSize, contextLength, rmsEps,
                ropeTheta, ropeDim, ropeFreqScale);
    }
    public int kvDim() { return kvHeads * headDim; }

    public static ModelConfig from(GGUFFile f) {
        String where = f.path().toString();
        String archName = f.getString("general.architecture");
        Architecture arch = Architecture.fromGGUF(archName, where);
        String p = archName + ".";
        int dim = f.getInt(p + "embedding_length");
        int layers = f.getInt(p + "block_count");
        int heads = f.getInt(p + "attention.head_count");
        if (f.has(p + "attention.head_count_kv") && f.get(p + "attention.head_count_kv").isArray()) {
            throw new TesseraException(where + ": metadata '" + p + "attention.head_count_kv': per-layer head counts are not supported");
        }
        int kvHeads = f.getInt(p + "attention.head_count_kv", heads);
        int headDim = f.getInt(p + "attention.key_length", heads > 0 ? dim / heads : 0);
        int ffn = f.getInt(p + "feed_forward_length");
        int vocab = f.has(p + "vocab_size") ? f.getInt(p + "vocab_size") : f.tensor("token_embd.weight").rows();
        int ctx = f.getInt(p + "context_length", 2048);
        float eps = f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        float theta = f.getFloat(p + "rope.freq_base", 10000f);
        int ropeDim = f.getInt(p + "rope.dimension_count", headDim);
        float freqScale = 1f;
        String scaling = f.getString(p + "rope.scaling.type", "none");
        if (scaling.equals("linear")) {
            freqScale = 1f / f.getFloat(p + "rope.scaling.factor", 1f);
        } else if (!scaling.equals("none") && !(scaling.equals("llama3"))) {
            throw new TesseraException(where + ": metadata '" + p + "rope.scaling.type' = \"" + scaling + "\": unsupported (supported: none, linear, llama3 via rope_freqs)");
        }
        if (f.has(p + "rope.scaling.factor") && !f.has(p + "rope.scaling.type")) {
            float factor = f.getFloat(p + "rope.scaling.factor");
            if (factor > 0 && factor != 1f && arch == Architecture.LLAMA && f.tensorOrNull("rope_freqs.weight") == null) freqScale = 1f / factor;
        }
        ModelConfig c = new ModelConfig(arch, dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, eps, theta, ropeDim, freqScale);
        c.validate(where);
        return c;
    }

    void validate(String where) {
        if (dim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || ffnDim <= 0 || vocabSize <= 0) {
            throw new TesseraException(where + ": impossible model shape " + this);
        }
        if (heads % kvHeads != 0) {
            throw new TesseraException(where + ": head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        }
        if (ropeDim > headDim || ropeDim % 2 != 0) {
            throw new TesseraException(where + ": rope.dimension_count " + ropeDim + " must be even and at most the head size " + headDim);
        }
    }
}
