package io.tessera.model;

import io.tessera.TesseraException;
import io.tessera.model.arch.ModelConfig;
import io.tessera.model.arch.Transformer;
import io.tessera.model.arch.Weights;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * A GGUF language model ready to run: its configuration, its memory-mapped weights and its tokenizer.
 * Thread-safe to share; each sequence runs in its own {@link Session}.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.gguf"));
 *      Session session = model.newSession()) {
 *     float[] logits = session.prefill(model.tokenizer().encode("Hello", true, true));
 * }
 * }</pre>
 */
public final class Model implements AutoCloseable {
    private final GGUFFile file;
    private final ModelConfig config;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final boolean ownsFile;

    private Model(GGUFFile file, ModelConfig config, Transformer transformer, Tokenizer tokenizer, boolean ownsFile) {
        this.file = file;
        this.config = config;
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.ownsFile = ownsFile;
    }

    /** Maps and checks a GGUF model. Throws {@link TesseraException} naming the file and the problem. */
    public static Model load(Path path) {
        GGUFFile file = GGUFFile.open(path);
        try {
            ModelConfig config = ModelConfig.from(file);
            Weights weights = new Weights(file, config);
            Tokenizer tokenizer = GGUFTokenizer.load(file);
            if (tokenizer.vocabSize() != config.vocabSize()) {
                throw new TesseraException(path + ": the tokenizer has " + tokenizer.vocabSize()
                        + " tokens but the model's vocabulary has " + config.vocabSize());
            }
            return new Model(file, config, new Transformer(config, weights), tokenizer, true);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public ModelConfig config() { return config; }
    public Tokenizer tokenizer() { return tokenizer; }
    public GGUFFile gguf() { return file; }
    public Path path() { return file.path(); }
    public Transformer transformer() { return transformer; }

    /**
     * This model cut down to the layers {@code keep} (ascending indices), sharing its mapped weights, embedding and
     * output head: a cheaper self-draft for speculative decoding (layer skipping, or early exit when {@code keep}
     * is a first block of layers). Valid while this model is open; closing it releases nothing.
     */
    public Model withLayers(int[] keep) {
        Transformer sub = transformer.withLayers(keep);
        return new Model(file, sub.config(), sub, tokenizer, false);
    }

    /** A session with the model's own context length and one compute thread per core. */
    public Session newSession() {
        return newSession(0, Parallel.defaultThreads());
    }

    /** @param contextLength positions the KV cache may hold; 0 means the model's trained context length. */
    public Session newSession(int contextLength, int threads) {
        int ctx = sessionContext(contextLength); // checked before the pool's threads start
        return new Session(this, ctx, new Parallel(threads), true);
    }

    /**
     * A session that computes on {@code other}'s threads instead of starting its own: for a model that runs in
     * turn with another (a speculative draft and its target), so that two pools never compete for the cores.
     * Closing it leaves the threads to {@code other}.
     */
    public Session newSession(int contextLength, Session other) {
        return new Session(this, sessionContext(contextLength), other.pool(), false);
    }

    /** {@code contextLength}, or the model's own when 0. */
    private int sessionContext(int contextLength) {
        int ctx = contextLength > 0 ? contextLength : config.contextLength();
        if (ctx < 1) throw new TesseraException("context length must be positive, got " + ctx);
        return ctx;
    }

    @Override
    public void close() {
        if (ownsFile) file.close();
    }
}
