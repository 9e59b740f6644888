package io.tessera.cli;

import io.tessera.TesseraException;
import io.tessera.model.Model;
import io.tessera.train.Corpus;
import io.tessera.train.Perplexity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "eval", description = "Perplexity of a model on a UTF-8 text file (tokenized with the model's tokenizer, scored in windows of the context length).")
final class EvalCommand implements Callable<Integer> {
    @Mixin ModelOptions opts;
    @Option(names = "--text", required = true, paramLabel = "FILE", description = "UTF-8 text to score") Path text;
    @Option(names = "--separator", paramLabel = "LINE", description = "documents are separated by lines holding only this (e.g. \"<|endoftext|>\"); each is tokenized as training does (BOS when the tokenizer asks for one, EOS at its end)") String separator;
    @Option(names = "--max-tokens", paramLabel = "N", description = "score only the first N tokens (default: all)") long maxTokens;

    @Override
    public Integer call() {
        opts.check();
        if (maxTokens < 0) throw new TesseraException("--max-tokens must be positive, got " + maxTokens);
        if (!Files.isRegularFile(text)) throw new TesseraException(text + ": file not found");
        String s = readUtf8(text);
        if (s.isBlank()) throw new TesseraException(text + ": empty text");
        long t0 = System.nanoTime();
        try (Model model = Model.load(opts.modelPath())) {
            int window = opts.ctx > 0 ? Math.min(opts.ctx, model.config().contextLength()) : model.config().contextLength();
            int[] ids;
            if (separator != null) {
                List<int[]> docs = Corpus.encode(Corpus.texts(List.of(text), separator), model.tokenizer());
                ids = docs.stream().flatMapToInt(java.util.Arrays::stream).toArray();
            } else {
                ids = model.tokenizer().encode(s, true, false);
            }
            if (maxTokens > 0 && ids.length > maxTokens + 1) ids = java.util.Arrays.copyOf(ids, (int) maxTokens + 1);
            Perplexity.Result r = Perplexity.of(model, ids, window, opts.threads);
            Main.OUT.printf(Locale.ROOT, "%s: %d tokens, %.4f nats/token, perplexity %.3f%n", text.getFileName(), r.tokens(), r.natsPerToken(), r.perplexity());
            Main.ERR.printf(Locale.ROOT, "model %s, windows of %d tokens, %.1f s%n", model.path().getFileName(), window, (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }

    private static String readUtf8(Path p) {
        byte[] b;
        try {
            b = Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new TesseraException(p + ": cannot read: " + e.getMessage());
        }
        var dec = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT).onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        var in = java.nio.ByteBuffer.wrap(b);
        try {
            return dec.decode(in).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new TesseraException(p + ": not valid UTF-8 at byte offset " + in.position());
        }
    }
}
