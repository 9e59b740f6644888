package io.tessera.cli;

import io.tessera.TesseraException;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** Options shared by the commands that load a model. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "GGUF model file (default: Tessera's own default model)")
    Path model;

    @Option(names = {"-t", "--threads"}, paramLabel = "T", description = "compute threads (default: one per core)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--ctx", paramLabel = "C", description = "context length in tokens (default: the model's)")
    int ctx;

    @Option(names = "--verbose", description = "print stack traces on errors")
    boolean verbose;

    Path modelPath() {
        if (model != null) return model;
        Path def = defaultModel("tessera-default.gguf");
        if (Files.exists(def)) return def;
        throw new TesseraException("no model given and no default model at " + def + ": pass -m MODEL.gguf");
    }

    /** Whether the model is Tessera's default one (no -m given). */
    boolean isDefaultModel() {
        return model == null;
    }

    static Path defaultModel(String file) {
        return Path.of(System.getProperty("tessera.home", "."), "models", file);
    }

    void check() {
        if (threads < 1) throw new TesseraException("--threads must be at least 1, got " + threads);
        if (ctx < 0) throw new TesseraException("--ctx must be positive, got " + ctx);
    }
}
