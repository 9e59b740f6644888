package io.tessera.model.arch;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFTensorInfo;
import io.tessera.model.tensor.WeightTensor;

/** The tensors of a llama-family model, by GGUF name, with their shapes checked against the config. */
public final class Weights {

    /** One transformer block. Biases and q/k norms are null where the architecture has none. */
    public record Layer(float[] attnNorm, WeightTensor wq, WeightTensor wk, WeightTensor wv, WeightTensor wo,
                        float[] bq, float[] bk, float[] bv, float[] qNorm, float[] kNorm,
                        float[] ffnNorm, WeightTensor wGate, WeightTensor wUp, WeightTensor wDown) {}

    public final WeightTensor tokenEmbedding;
    public final float[] outputNorm;
    public final WeightTensor output;
    /** Per-frequency divisors of Llama 3.x rope scaling ({@code rope_freqs.weight}), or null. */
    public final float[] ropeFreqs;
    public final Layer[] layers;

    private final GGUFFile file;

    public Weights(GGUFFile file, ModelConfig c) {
        this.file = file;
        boolean tied = file.tensorOrNull("output.weight") == null;
        // only read row by row unless it is also the output head: no copy for the products
        tokenEmbedding = tied ? matrix("token_embd.weight", c.dim(), c.vocabSize()) : table("token_embd.weight", c.dim(), c.vocabSize());
        outputNorm = vector("output_norm.weight", c.dim());
        ropeFreqs = file.tensorOrNull("rope_freqs.weight") != null ? vector("rope_freqs.weight", c.ropeDim() / 2) : null;
        layers = new Layer[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".";
            boolean bias = c.architecture().qkvBias;
            boolean qkNorm = c.architecture().qkNorm;
            layers[i] = new Layer(
                    vector(b + "attn_norm.weight", c.dim()),
                    matrix(b + "attn_q.weight", c.dim(), c.qDim()),
                    matrix(b + "attn_k.weight", c.dim(), c.kvDim()),
                    matrix(b + "attn_v.weight", c.dim(), c.kvDim()),
                    matrix(b + "attn_output.weight", c.qDim(), c.dim()),
                    bias ? vector(b + "attn_q.bias", c.qDim()) : null,
                    bias ? vector(b + "attn_k.bias", c.kvDim()) : null,
                    bias ? vector(b + "attn_v.bias", c.kvDim()) : null,
                    qkNorm ? vector(b + "attn_q_norm.weight", c.headDim()) : null,
                    qkNorm ? vector(b + "attn_k_norm.weight", c.headDim()) : null,
                    vector(b + "ffn_norm.weight", c.dim()),
                    matrix(b + "ffn_gate.weight", c.dim(), c.ffnDim()),
                    matrix(b + "ffn_up.weight", c.dim(), c.ffnDim()),
                    matrix(b + "ffn_down.weight", c.ffnDim(), c.dim()));
        }
        // last: the largest matrix is repacked once the repacking code is compiled
        output = tied ? tokenEmbedding : matrix("output.weight", c.dim(), c.vocabSize());
    }

    private Weights(Weights all, int[] keep) {
        file = all.file;
        tokenEmbedding = all.tokenEmbedding;
        outputNorm = all.outputNorm;
        output = all.output;
        ropeFreqs = all.ropeFreqs;
        layers = new Layer[keep.length];
        for (int i = 0; i < keep.length; i++) layers[i] = all.layers[keep[i]];
    }

    /** A view with only the layers {@code keep} (ascending indices), sharing every tensor. */
    public Weights withLayers(int[] keep) {
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] < 0 || keep[i] >= layers.length || (i > 0 && keep[i] <= keep[i - 1])) {
                throw new TesseraException("layers " + java.util.Arrays.toString(keep) + ": expected ascending indices in [0, " + layers.length + ")");
            }
        }
        if (keep.length == 0) throw new TesseraException("a sub-network needs at least one layer");
        return new Weights(this, keep.clone());
    }

    /** A weight matrix of the products: types with faster kernels on a repacked copy get one (see {@link WeightTensor#of}). */
    private WeightTensor matrix(String name, int cols, int rows) {
        return WeightTensor.of(checked(name, cols, rows), file::allocate);
    }

    /** A matrix only read a row at a time (an embedding table), in the file's layout. */
    private WeightTensor table(String name, int cols, int rows) {
        return WeightTensor.of(checked(name, cols, rows), null);
    }

    private GGUFTensorInfo checked(String name, int cols, int rows) {
        GGUFTensorInfo t = file.tensor(name);
        if (t.shape().length != 2 || t.shape()[0] != cols || t.shape()[1] != rows) {
            throw new TesseraException(file.path() + ": tensor '" + name + "' has shape " + t.shapeString()
                    + ", expected [" + cols + ", " + rows + "]");
        }
        return t;
    }

    private float[] vector(String name, int n) {
        GGUFTensorInfo t = file.tensor(name);
        if (t.elementCount() != n) {
            throw new TesseraException(file.path() + ": tensor '" + name + "' has shape " + t.shapeString() + ", expected [" + n + "]");
        }
        float[] v = new float[n];
        WeightTensor w = WeightTensor.of(t, null);
        for (int r = 0; r < w.rows(); r++) w.dequantizeRow(r, v, r * w.cols());
        return v;
    }
}
