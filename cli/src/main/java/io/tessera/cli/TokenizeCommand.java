package io.tessera.cli;

import io.tessera.model.GGUFTokenizer;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "tokenize", description = "Tokenize stdin, one input per line ('\\n' only), printing each line's ids.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "GGUF file whose vocabulary to use") Path model;
    @Option(names = "--bos", description = "add BOS/EOS as the model's metadata says") boolean bos;
    @Option(names = "--no-parse-special", description = "treat special-token text as plain text") boolean noParseSpecial;
    @Option(names = "--verbose", description = "print stack traces on errors") boolean verbose;

    @Override
    public Integer call() throws Exception {
        try (GGUFFile f = GGUFFile.open(model)) {
            Tokenizer tok = GGUFTokenizer.load(f);
            StringBuilder out = new StringBuilder();
            for (String line : StdinLines.read(System.in)) {
                int[] ids = tok.encode(line, bos, !noParseSpecial);
                for (int i = 0; i < ids.length; i++) {
                    if (i > 0) out.append(' ');
                    out.append(ids[i]);
                }
                out.append('\n');
            }
            Main.OUT.print(out);
        }
        return 0;
    }
}
