package io.tessera.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads standard input as UTF-8 lines separated by '\n' only: a '\r' stays part of its line. */
final class StdinLines {
    private StdinLines() {}

    static List<String> read(InputStream in) throws IOException {
        byte[] all = in.readAllBytes();
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream cur = new ByteArrayOutputStream();
        for (byte b : all) {
            if (b == '\n') {
                lines.add(cur.toString(StandardCharsets.UTF_8));
                cur.reset();
            } else {
                cur.write(b);
            }
        }
        if (cur.size() > 0) lines.add(cur.toString(StandardCharsets.UTF_8));
        return lines;
    }
}
