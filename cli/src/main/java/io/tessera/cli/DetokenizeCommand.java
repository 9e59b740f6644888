package io.tessera.cli;

import io.tessera.TesseraException;
import io.tessera.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "detokenize", description = "Read token ids from stdin (space-separated, one sequence per line) and print each line's text.")
final class DetokenizeCommand implements Callable<Integer> {
    @Mixin TokenizerSource source;
    @Option(names = "--skip-special", description = "leave out special tokens (Hugging Face skip_special_tokens)") boolean skipSpecial;
    @Option(names = "--verbose", description = "print stack traces on errors") boolean verbose;

    @Override
    public Integer call() throws Exception {
        Tokenizer tok = source.load();
        List<String> lines = StdinLines.read(System.in);
        StringBuilder out = new StringBuilder();
        for (int ln = 0; ln < lines.size(); ln++) {
            String line = lines.get(ln).strip();
            int[] ids;
            if (line.isEmpty()) {
                ids = new int[0];
            } else {
                String[] parts = line.split("[\\s,]+");
                ids = new int[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    try {
                        ids[i] = Integer.parseInt(parts[i]);
                    } catch (NumberFormatException e) {
                        throw new TesseraException("stdin line " + (ln + 1) + ": \"" + parts[i] + "\" is not a token id");
                    }
                    if (ids[i] < 0 || ids[i] >= tok.vocabSize()) {
                        throw new TesseraException("stdin line " + (ln + 1) + ": token id " + ids[i] + " out of range [0, " + tok.vocabSize() + ")");
                    }
                }
            }
            out.append(tok.decode(ids, !skipSpecial)).append('\n');
        }
        Main.OUT.print(out);
        Main.OUT.flush();
        return 0;
    }
}
