package io.tessera.cli;

import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFTensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "inspect", description = "Print a GGUF file's metadata and tensor table.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Option(names = "--array-items", paramLabel = "N", description = "array elements shown per key (default ${DEFAULT-VALUE})") int items = 8;
    @Option(names = "--verbose", description = "print stack traces on errors") boolean verbose;

    @Override
    public Integer call() {
        try (GGUFFile f = GGUFFile.open(file)) {
            var out = Main.OUT;
            out.printf("file: %s%nGGUF version %d, %d bytes, alignment %d, data at offset %d%n",
                    f.path(), f.version(), f.fileSize(), f.alignment(), f.dataOffset());
            out.printf("%nmetadata (%d keys):%n", f.metadata().size());
            f.metadata().forEach((k, v) -> out.printf("  %-44s %s%n", k, v.display(items)));
            out.printf("%ntensors (%d):%n", f.tensors().size());
            out.printf("  %-40s %-8s %-22s %14s %12s%n", "name", "type", "shape", "offset", "bytes");
            long total = 0;
            for (GGUFTensorInfo t : f.tensors().values()) {
                out.printf("  %-40s %-8s %-22s %14d %12d%n", t.name(), t.type(), t.shapeString(), t.offset(), t.byteSize());
                total += t.elementCount();
            }
            out.printf("%n%d parameters%n", total);
            out.flush();
        }
        return 0;
    }
}
