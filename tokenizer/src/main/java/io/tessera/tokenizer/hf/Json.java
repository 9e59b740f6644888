package io.tessera.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.tessera.TesseraException;

/** Reading tokenizer.json nodes; every problem is one line naming the JSON path. */
final class Json {
    private Json() {}

    static TesseraException error(String path, String problem) {
        return new TesseraException(path + ": " + problem);
    }

    static JsonNode field(JsonNode n, String path, String name) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) throw error(path + "." + name, "missing");
        return v;
    }

    static String type(JsonNode n, String path) {
        if (n == null || !n.isObject()) throw error(path, "expected an object");
        JsonNode t = n.get("type");
        if (t == null || !t.isTextual()) throw error(path + ".type", "missing");
        return t.asText();
    }

    static TesseraException unsupported(JsonNode n, String path) {
        return error(path + ".type", "unsupported \"" + n.get("type").asText() + "\"");
    }

    static String str(JsonNode n, String path, String name) {
        JsonNode v = field(n, path, name);
        if (!v.isTextual()) throw error(path + "." + name, "expected a string");
        return v.asText();
    }

    static String str(JsonNode n, String path, String name, String dflt) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw error(path + "." + name, "expected a string");
        return v.asText();
    }

    static boolean bool(JsonNode n, String path, String name, boolean dflt) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw error(path + "." + name, "expected true or false");
        return v.asBoolean();
    }

    static int integer(JsonNode n, String path, String name, int dflt) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) return dflt;
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw error(path + "." + name, "expected an integer");
        return v.asInt();
    }

    static JsonNode array(JsonNode n, String path, String name) {
        JsonNode v = field(n, path, name);
        if (!v.isArray()) throw error(path + "." + name, "expected an array");
        return v;
    }

    /** A {@code {"String": s}} or {@code {"Regex": r}} pattern as a {@link Pattern}. */
    static HfPattern pattern(JsonNode n, String path, String name) {
        JsonNode p = field(n, path, name);
        if (p.has("String") && p.get("String").isTextual()) return HfPattern.literal(p.get("String").asText());
        if (p.has("Regex") && p.get("Regex").isTextual()) return HfPattern.regex(p.get("Regex").asText(), path + "." + name + ".Regex");
        throw error(path + "." + name, "expected {\"String\": ...} or {\"Regex\": ...}");
    }
}
