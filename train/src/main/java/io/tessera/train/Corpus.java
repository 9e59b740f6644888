package io.tessera.train;

import io.tessera.TesseraException;
import io.tessera.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Text files to tokenized documents. Files must be UTF-8; documents are separated by a line holding only
 * {@code separator} (for example {@code <|endoftext|>}), or each file is one document when the separator
 * is null. Each document is encoded with the tokenizer's BOS (when it asks for one) and ends with EOS.
 */
public final class Corpus {
    private Corpus() {}

    /** Training and held-out documents. */
    public record Split(List<int[]> train, List<int[]> heldOut) {}

    public static List<int[]> read(List<Path> files, Tokenizer tokenizer, String separator) {
        List<int[]> docs = encode(texts(files, separator), tokenizer);
        if (docs.isEmpty()) throw new TesseraException("corpus: no text in " + files);
        return docs;
    }

    /**
     * The documents of UTF-8 text files: split at lines holding only {@code separator}, at blank lines when it
     * is empty, or one per file when it is null. A directory stands for the regular files in it, sorted by name.
     */
    public static List<String> texts(List<Path> paths, String separator) {
        if (paths.isEmpty()) throw new TesseraException("corpus: no files given");
        List<String> parts = new ArrayList<>();
        for (Path f : expand(paths)) {
            String text = readUtf8(f);
            if (separator == null) {
                parts.add(text);
            } else if (separator.isEmpty()) { // blank lines separate documents
                parts.addAll(java.util.Arrays.asList(text.split("\r?\n([ \t]*\r?\n)+")));
            } else {
                StringBuilder cur = new StringBuilder();
                for (String line : text.split("\n", -1)) {
                    if (line.equals(separator) || line.equals(separator + "\r")) {
                        parts.add(cur.toString());
                        cur.setLength(0);
                    } else {
                        if (!cur.isEmpty()) cur.append('\n');
                        cur.append(line);
                    }
                }
                parts.add(cur.toString());
            }
        }
        return parts;
    }

    static List<Path> expand(List<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (java.nio.file.Files.isDirectory(p)) {
                try (var s = java.nio.file.Files.list(p)) {
                    s.filter(java.nio.file.Files::isRegularFile).sorted().forEach(out::add);
                } catch (IOException e) {
                    throw new TesseraException(p + ": cannot list: " + e.getMessage());
                }
            } else if (!java.nio.file.Files.exists(p)) {
                throw new TesseraException(p + ": corpus file not found");
            } else {
                out.add(p);
            }
        }
        if (out.isEmpty()) throw new TesseraException("corpus: no files in " + paths);
        return out;
    }

    /**
     * Encodes documents: each with the tokenizer's BOS (when it asks for one) and EOS; blank documents and
     * documents of fewer than 2 tokens are dropped.
     */
    public static List<int[]> encode(List<String> texts, Tokenizer tokenizer) {
        List<int[]> docs = new ArrayList<>();
        for (String p : texts) {
            if (p.isBlank()) continue;
            int[] ids = tokenizer.encode(p.strip(), true, false);
            if (tokenizer.eos() >= 0) {
                ids = java.util.Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = tokenizer.eos();
            }
            if (ids.length >= 2) docs.add(ids);
        }
        return docs;
    }

    static String readUtf8(Path f) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f);
        } catch (IOException e) {
            throw new TesseraException(f + ": cannot read: " + e.getMessage(), e);
        }
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return dec.decode(in).toString();
        } catch (MalformedInputException e) {
            throw new TesseraException(f + ": not valid UTF-8 at byte offset " + in.position());
        } catch (CharacterCodingException e) {
            throw new TesseraException(f + ": not valid UTF-8 at byte offset " + in.position());
        }
    }

    /**
     * Holds out a seeded random {@code fraction} of the documents (at least one when the fraction is
     * positive and there are two or more documents); the rest keep their order.
     */
    public static Split split(List<int[]> docs, double fraction, long seed) {
        boolean[] held = heldOutMask(docs.size(), fraction, seed);
        List<int[]> train = new ArrayList<>(), out = new ArrayList<>();
        for (int i = 0; i < held.length; i++) (held[i] ? out : train).add(docs.get(i));
        return new Split(train, out);
    }

    /** Which of {@code n} documents {@link #split} holds out. */
    public static boolean[] heldOutMask(int n, double fraction, long seed) {
        if (!(fraction >= 0 && fraction < 1)) throw new TesseraException("held-out fraction must be in [0, 1), got " + fraction);
        int k = (int) Math.round(fraction * n);
        if (fraction > 0 && k == 0 && n >= 2) k = 1;
        if (k >= n) k = n - 1;
        boolean[] held = new boolean[n];
        SplittableRandom r = new SplittableRandom(seed);
        int chosen = 0;
        while (chosen < k) {
            int i = r.nextInt(n);
            if (!held[i]) {
                held[i] = true;
                chosen++;
            }
        }
        return held;
    }
}
