package io.tessera.cli;

import io.tessera.TesseraException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Entry point of the {@code tessera} command. */
@Command(name = "tessera", mixinStandardHelpOptions = true, version = "tessera 0.1.0",
        description = "Pure-Java token engine: GGUF models, tokenizers, generation.",
        subcommands = {GenerateCommand.class, TokenizeCommand.class, DetokenizeCommand.class, LogitsCommand.class, InspectCommand.class, ModelCommand.class, TokenizerCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    /** The streams of the running command, bound by {@link #run}. */
    static PrintStream OUT;
    static PrintStream ERR;

    public static void main(String[] args) {
        System.exit(run(new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8),
                new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8), args));
    }

    /** Runs one command with the given UTF-8 output streams and returns the exit code. */
    static int run(PrintStream out, PrintStream err, String... args) {
        OUT = out;
        ERR = err;
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new java.io.PrintWriter(OUT, true));
        cl.setErr(new java.io.PrintWriter(ERR, true));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            OUT.flush();
            if (verbose) e.printStackTrace(ERR);
            ERR.println("tessera: " + message(e));
            return e instanceof TesseraException || e instanceof IllegalArgumentException ? 1 : 2;
        });
        int code = cl.execute(args);
        OUT.flush();
        return code;
    }

    private static String message(Throwable e) {
        if (e instanceof TesseraException || e instanceof IllegalArgumentException) return e.getMessage();
        if (e instanceof OutOfMemoryError) return "out of memory: " + e.getMessage() + " (raise -Xmx via TESSERA_JAVA_OPTS or lower --ctx)";
        return "internal error: " + e + " (run with --verbose for the stack trace)";
    }
}
