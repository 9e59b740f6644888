package io.tessera.generate;

import io.tessera.TesseraException;
import io.tessera.model.Model;
import io.tessera.model.Session;
import io.tessera.tokenizer.StreamingDetokenizer;
import io.tessera.tokenizer.Tokenizer;

import io.tessera.generate.spec.Drafter;
import io.tessera.generate.spec.Speculation;
import io.tessera.generate.spec.SpeculativeDecoder;

import java.util.Arrays;

/**
 * Generates text from a prompt: tokenizes it (BOS as the model's metadata says), runs the prompt through
 * the model, then samples one token at a time, streaming complete UTF-8 text to a callback.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.gguf"))) {
 *     new Generator(model).maxTokens(64).sampler(SamplerConfig.greedy())
 *         .generate("Once upon a time", System.out::print);
 * }
 * }</pre>
 */
public final class Generator {

    /** Receives text as it is produced; return false to stop early. */
    @FunctionalInterface
    public interface TextSink {
        boolean accept(String text);
    }

    private final Model model;
    private SamplerConfig samplerConfig = SamplerConfig.greedy();
    private int maxTokens = 128;
    private boolean ignoreEos;
    private int threads = io.tessera.model.Parallel.defaultThreads();
    private int contextLength;
    private Speculation speculation;

    public Generator(Model model) {
        this.model = model;
    }

    public Generator sampler(SamplerConfig config) { this.samplerConfig = config.validate(); return this; }
    public Generator maxTokens(int n) { this.maxTokens = n; return this; }
    public Generator ignoreEos(boolean ignore) { this.ignoreEos = ignore; return this; }
    public Generator threads(int n) { this.threads = n; return this; }
    /** KV cache size in tokens; 0 (the default) means the model's trained context length. */
    public Generator contextLength(int n) { this.contextLength = n; return this; }

    /** Speculative decoding in the given mode (null: plain decoding); the output distribution is unchanged. */
    public Generator speculation(Speculation s) { this.speculation = s; return this; }

    /** Generates from {@code prompt}, streaming complete UTF-8 text to {@code onText} as it is produced. */
    public GenerationResult generate(String prompt, java.util.function.Consumer<String> onText) {
        return generateWhile(prompt, text -> { onText.accept(text); return true; });
    }

    /** Like {@link #generate}, stopping early when {@code onText} returns false. */
    public GenerationResult generateWhile(String prompt, TextSink onText) {
        Tokenizer tokenizer = model.tokenizer();
        int[] promptTokens = tokenizer.encode(prompt, true, true);
        if (promptTokens.length == 0) throw new TesseraException("the prompt is empty and the model adds no BOS token: nothing to continue from");
        try (Session session = model.newSession(contextLength, threads)) {
            if (promptTokens.length >= session.contextLength()) {
                throw new TesseraException("prompt too long: " + promptTokens.length + " tokens for a context of "
                        + session.contextLength() + " (raise --ctx)");
            }
            return run(session, promptTokens, onText);
        }
    }

    /** Continues from already-tokenized input in a caller-owned session. */
    public GenerationResult run(Session session, int[] promptTokens, TextSink onText) {
        if (speculation != null) return runSpeculative(session, promptTokens, onText);
        Tokenizer tokenizer = model.tokenizer();
        Sampler sampler = new Sampler(samplerConfig);
        // primed with the prompt so that the text streamed is exactly decode(prompt + output) - decode(prompt)
        StreamingDetokenizer detok = tokenizer.streamingDetokenizer(false);
        for (int t : promptTokens) detok.feed(t);
        int[] history = Arrays.copyOf(promptTokens, promptTokens.length + Math.max(0, maxTokens));
        int length = promptTokens.length;
        StringBuilder text = new StringBuilder();

        long t0 = System.nanoTime();
        float[] logits = session.prefill(promptTokens);
        long t1 = System.nanoTime();
        String stop = "length";
        int generated = 0;
        while (generated < maxTokens) {
            int token = sampler.sample(logits, history, length);
            history[length++] = token;
            generated++;
            if (!ignoreEos && tokenizer.isEog(token)) {
                stop = "eos";
                break;
            }
            String piece = detok.feed(token);
            if (!piece.isEmpty()) {
                text.append(piece);
                if (!onText.accept(piece)) { stop = "stopped"; break; }
            }
            if (generated == maxTokens) break;
            if (session.position() >= session.contextLength()) { stop = "context"; break; }
            logits = session.decode(token);
        }
        String rest = detok.flush();
        if (!rest.isEmpty()) {
            text.append(rest);
            onText.accept(rest);
        }
        long t2 = System.nanoTime();
        int[] tokens = Arrays.copyOfRange(history, promptTokens.length, length);
        return new GenerationResult(promptTokens, tokens, text.toString(), stop, t1 - t0, t2 - t1);
    }

    private GenerationResult runSpeculative(Session session, int[] promptTokens, TextSink onText) {
        Tokenizer tokenizer = model.tokenizer();
        StreamingDetokenizer detok = tokenizer.streamingDetokenizer(false);
        for (int t : promptTokens) detok.feed(t);
        int[] out = new int[Math.max(0, maxTokens)];
        int generated = 0;
        StringBuilder text = new StringBuilder();
        String stop = "length";
        try (Drafter drafter = speculation.newDrafter(session, samplerConfig)) {
            SpeculativeDecoder decoder = new SpeculativeDecoder(session, drafter, samplerConfig);
            long t0 = System.nanoTime();
            decoder.start(promptTokens);
            long t1 = System.nanoTime();
            steps:
            while (generated < maxTokens) {
                if (!decoder.hasRoom()) { stop = "context"; break; }
                for (int token : decoder.step()) {
                    out[generated++] = token;
                    if (!ignoreEos && tokenizer.isEog(token)) { stop = "eos"; break steps; }
                    String piece = detok.feed(token);
                    if (!piece.isEmpty()) {
                        text.append(piece);
                        if (!onText.accept(piece)) { stop = "stopped"; break steps; }
                    }
                    if (generated == maxTokens) break steps;
                }
            }
            String rest = detok.flush();
            if (!rest.isEmpty()) {
                text.append(rest);
                onText.accept(rest);
            }
            long t2 = System.nanoTime();
            return new GenerationResult(promptTokens, Arrays.copyOf(out, generated), text.toString(), stop, t1 - t0, t2 - t1,
                    decoder.stats());
        }
    }
}
