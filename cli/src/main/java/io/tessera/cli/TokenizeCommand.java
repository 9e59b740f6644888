package io.tessera.cli;

import io.tessera.tokenizer.Tiktoken;
import io.tessera.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

@Command(name = "tokenize", description = {
        "Tokenize stdin as UTF-8, one input per line ('\\n' only; a '\\r' belongs to its line), printing each line's ids space-separated.",
        "Special-token text in the input is recognised for tokenizer.json and GGUF (as Hugging Face and llama.cpp do), plain text for tiktoken (encode_ordinary)."})
final class TokenizeCommand implements Callable<Integer> {
    @Mixin TokenizerSource source;
    @Option(names = "--add-special", description = "let the post-processor add its special tokens (BOS/EOS, [CLS]/[SEP])") boolean addSpecial;
    @Option(names = "--bos", description = "same as --add-special (GGUF: BOS/EOS as the model's metadata says)") boolean bos;
    @Option(names = "--no-parse-special", description = "treat special-token text in the input as plain text") boolean noParseSpecial;
    @Option(names = "--parse-special", description = "recognise special-token text (also for tiktoken)") boolean parseSpecial;
    @Option(names = "--verbose", description = "print stack traces on errors") boolean verbose;

    @Override
    public Integer call() throws Exception {
        Tokenizer tok = source.load();
        boolean parse = parseSpecial || (!noParseSpecial && !(tok instanceof Tiktoken));
        boolean add = addSpecial || bos;
        List<String> lines = StdinLines.read(System.in);
        final int chunk = 4096;
        for (int from = 0; from < lines.size(); from += chunk) {
            int to = Math.min(lines.size(), from + chunk);
            int base = from;
            String[] out = new String[to - from];
            IntStream.range(from, to).parallel().forEach(i -> {
                int[] ids = tok.encode(lines.get(i), add, parse);
                StringBuilder sb = new StringBuilder(ids.length * 6 + 1);
                for (int k = 0; k < ids.length; k++) {
                    if (k > 0) sb.append(' ');
                    sb.append(ids[k]);
                }
                out[i - base] = sb.append('\n').toString();
            });
            for (String s : out) Main.OUT.print(s);
        }
        Main.OUT.flush();
        return 0;
    }
}
