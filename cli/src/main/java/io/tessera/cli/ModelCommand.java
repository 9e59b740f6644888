package io.tessera.cli;

import io.tessera.TesseraException;
import io.tessera.model.GGUFTokenizer;
import io.tessera.model.RandomModel;
import io.tessera.tokenizer.hf.GgufExport;
import io.tessera.tokenizer.hf.HFTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "model", description = "Model files.", subcommands = ModelCommand.Random.class)
final class ModelCommand {

    @Command(name = "random", description = "Write a random-weight GGUF of a realistic shape, for benchmarks.")
    static final class Random implements Callable<Integer> {
        @Option(names = "--arch", defaultValue = "llama", paramLabel = "ARCH", description = "llama or qwen3 (default ${DEFAULT-VALUE})") String arch;
        @Option(names = "--params", defaultValue = "1B", paramLabel = "SIZE", description = "260K, 15M, 1B or (llama) 3.2-1B (default ${DEFAULT-VALUE})") String params;
        @Option(names = "--type", defaultValue = "Q4_0", paramLabel = "TYPE", description = "F32, F16, Q8_0, Q4_0, Q4_K_M, Q5_K_M, ... (default ${DEFAULT-VALUE})") String type;
        @Option(names = "--seed", defaultValue = "1", paramLabel = "S") long seed;
        @Option(names = "--vocab-from", paramLabel = "GGUF", description = "copy the tokenizer of this GGUF (its size must match the shape's vocabulary)") Path vocabFrom;
        @Option(names = "--tokenizer", paramLabel = "tokenizer.json",
                description = "the vocabulary of a Hugging Face byte-level BPE tokenizer.json (sets the vocabulary size)") Path tokenizerJson;
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE") Path out;
        @Option(names = "--verbose", description = "print stack traces on errors") boolean verbose;

        @Override
        public Integer call() {
            RandomModel.Shape shape = RandomModel.shape(arch, params);
            long t0 = System.nanoTime();
            if (tokenizerJson != null) {
                if (vocabFrom != null) throw new TesseraException("--tokenizer and --vocab-from both give a vocabulary: keep one");
                HFTokenizer tok = HFTokenizer.load(tokenizerJson);
                shape = shape.withVocab(tok.vocabSize());
                RandomModel.writeWithVocabulary(shape, type, seed, GGUFTokenizer.metadata(GgufExport.of(tok)), out);
            } else {
                RandomModel.write(shape, type, seed, vocabFrom, out);
            }
            Main.ERR.printf("wrote %s: %s %s, %.2fB parameters, in %.1f s%n", out, arch, type,
                    shape.parameters() / 1e9, (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }
}
