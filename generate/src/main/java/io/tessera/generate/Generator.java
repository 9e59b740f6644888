package io.tessera.generate;

import io.tessera.TesseraException;
import io.tessera.model.Model;
import io.tessera.model.Session;
import io.tessera.tokenizer.StreamingDetokenizer;
import io.tessera.tokenizer.Tokenizer;

import io.tessera.generate.spec.Drafter;
import io.tessera.generate.spec.SpecStats;
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
        Sampler sampler = new Sampler(samplerConfig);
        Output out = new Output(promptTokens, onText);
        long t0 = System.nanoTime();
        float[] logits = session.prefill(promptTokens);
        long t1 = System.nanoTime();
        while (out.generated() < maxTokens) {
            int token = sampler.sample(logits, out.history, out.length);
            if (!out.add(token)) break;
            if (session.position() >= session.contextLength()) { out.stop = "context"; break; }
            logits = session.decode(token);
        }
        return out.finish(t0, t1, null);
    }

    private GenerationResult runSpeculative(Session session, int[] promptTokens, TextSink onText) {
        Output out = new Output(promptTokens, onText);
        try (Drafter drafter = speculation.newDrafter(session, samplerConfig)) {
            SpeculativeDecoder decoder = new SpeculativeDecoder(session, drafter, samplerConfig);
            long t0 = System.nanoTime();
            decoder.start(promptTokens);
            long t1 = System.nanoTime();
            steps:
            while (out.generated() < maxTokens) {
                if (!decoder.hasRoom()) { out.stop = "context"; break; }
                for (int token : decoder.step()) if (!out.add(token)) break steps;
            }
            return out.finish(t0, t1, decoder.stats());
        }
    }

    /** The tokens as they are produced, one at a time: the stop conditions, the streamed text and the result. */
    private final class Output {
        final int[] prompt;
        final int[] history; // the prompt, then the generated tokens: history[0, length)
        int length;
        final TextSink sink;
        // primed with the prompt so that the text streamed is exactly decode(prompt + output) - decode(prompt)
        final StreamingDetokenizer detok = model.tokenizer().streamingDetokenizer(false);
        final StringBuilder text = new StringBuilder();
        String stop = "length";

        Output(int[] prompt, TextSink sink) {
            this.prompt = prompt;
            this.sink = sink;
            this.history = Arrays.copyOf(prompt, prompt.length + Math.max(0, maxTokens));
            this.length = prompt.length;
            for (int t : prompt) detok.feed(t);
        }

        int generated() {
            return length - prompt.length;
        }

        /** Takes the next token; false when generation ends here ({@link #stop} says why). */
        boolean add(int token) {
            history[length++] = token;
            if (!ignoreEos && model.tokenizer().isEog(token)) {
                stop = "eos";
                return false;
            }
            String piece = detok.feed(token);
            if (!piece.isEmpty()) {
                text.append(piece);
                if (!sink.accept(piece)) {
                    stop = "stopped";
                    return false;
                }
            }
            return generated() < maxTokens;
        }

        GenerationResult finish(long t0, long t1, SpecStats speculation) {
            String rest = detok.flush();
            if (!rest.isEmpty()) {
                text.append(rest);
                sink.accept(rest);
            }
            long t2 = System.nanoTime();
            return new GenerationResult(prompt, Arrays.copyOfRange(history, prompt.length, length), text.toString(), stop,
                    t1 - t0, t2 - t1, speculation);
        }
    }
}
