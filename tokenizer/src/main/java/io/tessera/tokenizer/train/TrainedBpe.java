package io.tessera.tokenizer.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.TesseraException;
import io.tessera.tokenizer.RegexSplitter;
import io.tessera.tokenizer.hf.HFTokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A trained byte-level BPE tokenizer: the vocabulary (special tokens first, then the alphabet, then
 * one token per merge) and the merges in rank order, as a Hugging Face tokenizer.json.
 */
public final class TrainedBpe {
    /** Llama 3's split regex exactly as in its tokenizer.json (the same matches as {@link RegexSplitter#LLAMA3}). */
    public static final String LLAMA3_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final BpeTrainer.Split split;
    private final List<String> specialTokens;
    private final List<String> vocab;
    private final List<String[]> merges;

    TrainedBpe(BpeTrainer.Split split, List<String> specialTokens, List<String> vocab, List<String[]> merges) {
        this.split = split;
        this.specialTokens = List.copyOf(specialTokens);
        this.vocab = List.copyOf(vocab);
        this.merges = List.copyOf(merges);
    }

    /** Tokens by id. */
    public List<String> vocab() {
        return vocab;
    }

    /** Merges in rank order, each {left, right}. */
    public List<String[]> merges() {
        return merges;
    }

    public List<String> specialTokens() {
        return specialTokens;
    }

    public BpeTrainer.Split split() {
        return split;
    }

    /** The tokenizer.json document. */
    public ObjectNode toJsonTree() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : specialTokens) {
            ObjectNode t = added.addObject();
            t.put("id", vocab.indexOf(s));
            t.put("content", s);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        if (split == BpeTrainer.Split.LLAMA3) {
            ObjectNode pre = root.putObject("pre_tokenizer");
            pre.put("type", "Sequence");
            ArrayNode list = pre.putArray("pretokenizers");
            ObjectNode sp = list.addObject();
            sp.put("type", "Split");
            sp.putObject("pattern").put("Regex", LLAMA3_REGEX);
            sp.put("behavior", "Isolated");
            sp.put("invert", false);
            byteLevel(list.addObject(), false, true, false);
        } else {
            byteLevel(root.putObject("pre_tokenizer"), false, true, true);
        }
        byteLevel(root.putObject("post_processor"), true, false, true);
        byteLevel(root.putObject("decoder"), true, true, true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", split == BpeTrainer.Split.LLAMA3);
        ObjectNode v = model.putObject("vocab");
        for (int i = 0; i < vocab.size(); i++) v.put(vocab.get(i), i);
        boolean spaces = false;
        for (String t : vocab) spaces |= t.indexOf(' ') >= 0;
        ArrayNode m = model.putArray("merges");
        for (String[] p : merges) {
            if (spaces) m.addArray().add(p[0]).add(p[1]);
            else m.add(p[0] + " " + p[1]);
        }
        return root;
    }

    private static void byteLevel(ObjectNode n, boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", useRegex);
    }

    /** The tokenizer.json text. */
    public String toJson() {
        try {
            return MAPPER.writeValueAsString(toJsonTree());
        } catch (JsonProcessingException e) {
            throw new TesseraException("cannot write tokenizer.json: " + e.getOriginalMessage());
        }
    }

    /** The tokenizer this training produced. */
    public HFTokenizer tokenizer() {
        return HFTokenizer.fromJson(toJsonTree());
    }

    /** Writes tokenizer.json to {@code out} atomically: a temporary file beside it, then renamed. */
    public void write(Path out) {
        writeAtomically(out, toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes the bytes to a temporary file in the target's directory, then moves it into place. */
    public static void writeAtomically(Path out, byte[] bytes) {
        Path abs = out.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            if (Files.isDirectory(abs)) throw new TesseraException(out + ": is a directory");
            if (dir != null && !Files.isDirectory(dir)) throw new TesseraException(out + ": no such directory: " + dir);
            // not createTempFile: its 0600 mode would stick to the renamed file
            tmp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            Files.write(tmp, bytes, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new TesseraException(out + ": cannot write: " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
