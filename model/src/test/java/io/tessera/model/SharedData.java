package io.tessera.model;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (the workplace's reference data) and skips a test, with a message, when it is absent. */
public final class SharedData {
    private SharedData() {}

    public static Path root() {
        String prop = System.getProperty("tessera.shared");
        if (prop != null) return Path.of(prop);
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("models"))) return candidate;
        }
        return Path.of("../shared");
    }

    /** The path under shared/, or skips the calling test when shared/ or that file is missing. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "skipped: shared test data not found at " + p + " (needs ../shared beside the checkout)");
        return p;
    }
}
