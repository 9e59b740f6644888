package io.tessera.tokenizer.hf;

import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The shared tokenizers, corpora and reference ids (../shared beside the checkout), when present. */
public final class SharedData {
    private SharedData() {}

    public static final List<String> CORPORA = List.of("english", "code", "multilingual", "adversarial");

    /** The shared directory, or skips the test when it is absent. */
    public static Path shared(String rel) {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
            Path p = dir.resolveSibling("shared").resolve(rel);
            if (Files.exists(p)) return p;
        }
        Assumptions.assumeTrue(false, "skipped: shared test data not found (needs ../shared beside the checkout): " + rel);
        return null;
    }

    /** Lines split on '\n' only (a '\r' stays in its line); no final empty line after a trailing '\n'. */
    public static List<String> lines(byte[] all) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                out.add(new String(all, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < all.length) out.add(new String(all, start, all.length - start, StandardCharsets.UTF_8));
        return out;
    }

    public static List<String> corpus(String name) throws IOException {
        return lines(Files.readAllBytes(shared("corpus/" + name + ".txt")));
    }

    public static List<int[]> referenceIds(String tokenizer, String corpus) throws IOException {
        byte[] raw;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(shared("tokenizers/" + tokenizer + "/reference/" + corpus + ".ids.gz")))) {
            raw = in.readAllBytes();
        }
        List<int[]> out = new ArrayList<>();
        for (String line : lines(raw)) {
            if (line.isEmpty()) {
                out.add(new int[0]);
                continue;
            }
            String[] parts = line.split(" ");
            int[] ids = new int[parts.length];
            for (int i = 0; i < parts.length; i++) ids[i] = Integer.parseInt(parts[i]);
            out.add(ids);
        }
        return out;
    }

    /** Mismatching line numbers (0-based) between Tessera's ids and the reference; examples go to {@code report}. */
    public static int mismatches(List<String> lines, List<int[]> ref, java.util.function.Function<String, int[]> enc, StringBuilder report, int maxExamples) {
        if (ref.size() < lines.size()) {
            // a trailing empty line is not in the corpus' line list
            throw new AssertionError("reference has " + ref.size() + " lines, corpus " + lines.size());
        }
        int[] bad = lines.parallelStream().mapToInt(l -> 0).toArray();
        java.util.stream.IntStream.range(0, lines.size()).parallel().forEach(i -> {
            int[] got;
            try {
                got = enc.apply(lines.get(i));
            } catch (RuntimeException e) {
                got = new int[] {-1};
            }
            if (!Arrays.equals(got, ref.get(i))) bad[i] = 1;
        });
        int count = 0;
        for (int i = 0; i < bad.length; i++) {
            if (bad[i] == 0) continue;
            if (count < maxExamples) {
                String l = lines.get(i);
                report.append("  line ").append(i + 1).append(": ").append(escape(l.length() > 160 ? l.substring(0, 160) + "..." : l)).append('\n')
                        .append("    want ").append(head(ref.get(i))).append('\n')
                        .append("    got  ").append(head(enc.apply(l))).append('\n');
            }
            count++;
        }
        return count;
    }

    private static String head(int[] a) {
        return a.length > 40 ? Arrays.toString(Arrays.copyOf(a, 40)) + "..." : Arrays.toString(a);
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || Character.getType(c) == Character.FORMAT || Character.isWhitespace(c) && c != ' ') sb.append(String.format("\\u{%X}", c));
            else sb.appendCodePoint(c);
        });
        return sb.toString();
    }
}
