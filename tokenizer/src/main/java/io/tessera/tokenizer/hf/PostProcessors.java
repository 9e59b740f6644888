package io.tessera.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The post-processors of tokenizer.json: add special tokens around one sequence or a pair. */
final class PostProcessors {
    private PostProcessors() {}

    interface PostProcessor {
        /** How many tokens it adds to a single sequence (pair = false) or a pair. */
        int added(boolean pair);

        /** The final sequence; {@code b} is null for a single sequence. */
        Seq process(Seq a, Seq b, boolean addSpecial);
    }

    /** No post-processor: sequences are concatenated, B with type id 1. */
    static final PostProcessor NONE = new PostProcessor() {
        @Override
        public int added(boolean pair) {
            return 0;
        }

        @Override
        public Seq process(Seq a, Seq b, boolean addSpecial) {
            return concat(a, b);
        }
    };

    static Seq concat(Seq a, Seq b) {
        if (b == null) return a;
        Seq s = new Seq(a.n + b.n);
        s.addAll(a, 0, a.n, -1);
        s.addAll(b, 0, b.n, -1);
        return s;
    }

    static PostProcessor parse(JsonNode n, String path) {
        if (n == null || n.isNull()) return NONE;
        String type = Json.type(n, path);
        return switch (type) {
            case "TemplateProcessing" -> Template.parse(n, path);
            case "BertProcessing" -> {
                Special sep = pairSpecial(n, path, "sep"), cls = pairSpecial(n, path, "cls");
                yield new Template(List.of(cls, seqA(0), sep.withType(0)), List.of(cls, seqA(0), sep.withType(0), seqB(1), sep.withType(1)));
            }
            case "RobertaProcessing" -> {
                Special sep = pairSpecial(n, path, "sep"), cls = pairSpecial(n, path, "cls");
                // as Hugging Face: every type id 0, also for the pair; offsets trimmed per sequence, before the template
                PostProcessor t = new Template(List.of(cls, seqA(0), sep), List.of(cls, seqA(0), sep, sep, seqB(0), sep));
                if (!Json.bool(n, path, "trim_offsets", true)) yield t;
                yield new TrimmedTemplate(new ByteLevelOffsets(Json.bool(n, path, "add_prefix_space", true)), t);
            }
            case "ByteLevel" -> Json.bool(n, path, "trim_offsets", true)
                    ? new ByteLevelOffsets(Json.bool(n, path, "add_prefix_space", true)) : NONE;
            case "Sequence" -> {
                JsonNode arr = Json.array(n, path, "processors");
                List<PostProcessor> list = new ArrayList<>();
                for (int i = 0; i < arr.size(); i++) list.add(parse(arr.get(i), path + ".processors[" + i + "]"));
                yield new SequenceProcessor(list);
            }
            default -> throw Json.unsupported(n, path);
        };
    }

    /** RoBERTa's processing: each sequence's byte-level offsets trimmed, then the template applied. */
    record TrimmedTemplate(ByteLevelOffsets trim, PostProcessor template) implements PostProcessor {
        @Override
        public int added(boolean pair) {
            return template.added(pair);
        }

        @Override
        public Seq process(Seq a, Seq b, boolean addSpecial) {
            trim.trim(a);
            if (b != null) trim.trim(b);
            return template.process(a, b, addSpecial);
        }
    }

    /** One template item: a special token (ids) or sequence A/B, with a type id. */
    record Special(String name, int[] ids, boolean isSequence, boolean isB, int typeId) {
        Special withType(int t) {
            return new Special(name, ids, isSequence, isB, t);
        }
    }

    static Special seqA(int t) {
        return new Special("A", null, true, false, t);
    }

    static Special seqB(int t) {
        return new Special("B", null, true, true, t);
    }

    private static Special pairSpecial(JsonNode n, String path, String name) {
        JsonNode v = Json.field(n, path, name);
        if (!v.isArray() || v.size() != 2 || !v.get(0).isTextual() || !v.get(1).canConvertToInt()) {
            throw Json.error(path + "." + name, "expected [token, id]");
        }
        return new Special(v.get(0).asText(), new int[] {v.get(1).asInt()}, false, false, 0);
    }

    /** Token ids that a processor's special tokens stand for (for "added" counting and tokens). */
    static final class Template implements PostProcessor {
        final List<Special> single, pair;

        Template(List<Special> single, List<Special> pair) {
            this.single = single;
            this.pair = pair;
        }

        static Template parse(JsonNode n, String path) {
            Map<String, int[]> specials = new LinkedHashMap<>();
            JsonNode st = n.get("special_tokens");
            if (st != null && !st.isNull()) {
                if (!st.isObject()) throw Json.error(path + ".special_tokens", "expected an object");
                for (Iterator<Map.Entry<String, JsonNode>> it = st.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String p = path + ".special_tokens[\"" + e.getKey() + "\"]";
                    JsonNode ids = Json.array(e.getValue(), p, "ids");
                    int[] a = new int[ids.size()];
                    for (int i = 0; i < a.length; i++) {
                        if (!ids.get(i).canConvertToInt()) throw Json.error(p + ".ids[" + i + "]", "expected an integer");
                        a[i] = ids.get(i).asInt();
                    }
                    specials.put(e.getKey(), a);
                }
            }
            return new Template(items(n, path, "single", specials), items(n, path, "pair", specials));
        }

        private static List<Special> items(JsonNode n, String path, String name, Map<String, int[]> specials) {
            JsonNode arr = n.get(name);
            List<Special> out = new ArrayList<>();
            if (arr == null || arr.isNull()) {
                out.add(seqA(0));
                if (name.equals("pair")) out.add(seqB(1));
                return out;
            }
            if (arr.isTextual()) { // "$A [SEP]" string form
                for (String part : arr.asText().trim().split("\\s+")) out.add(piece(part, path + "." + name, specials));
                return out;
            }
            if (!arr.isArray()) throw Json.error(path + "." + name, "expected an array");
            for (int i = 0; i < arr.size(); i++) {
                JsonNode it = arr.get(i);
                String p = path + "." + name + "[" + i + "]";
                if (it.isTextual()) {
                    out.add(piece(it.asText(), p, specials));
                } else if (it.has("Sequence")) {
                    JsonNode s = it.get("Sequence");
                    String id = Json.str(s, p + ".Sequence", "id");
                    if (!id.equals("A") && !id.equals("B")) throw Json.error(p + ".Sequence.id", "expected \"A\" or \"B\"");
                    out.add(new Special(id, null, true, id.equals("B"), Json.integer(s, p + ".Sequence", "type_id", 0)));
                } else if (it.has("SpecialToken")) {
                    JsonNode s = it.get("SpecialToken");
                    String id = Json.str(s, p + ".SpecialToken", "id");
                    int[] ids = specials.get(id);
                    if (ids == null) throw Json.error(p + ".SpecialToken.id", "\"" + id + "\" is not in special_tokens");
                    out.add(new Special(id, ids, false, false, Json.integer(s, p + ".SpecialToken", "type_id", 0)));
                } else {
                    throw Json.error(p, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
                }
            }
            return out;
        }

        private static Special piece(String s, String path, Map<String, int[]> specials) {
            int type = 0;
            int colon = s.lastIndexOf(':');
            if (colon > 0) {
                try {
                    type = Integer.parseInt(s.substring(colon + 1));
                    s = s.substring(0, colon);
                } catch (NumberFormatException ignored) {
                    // part of the token
                }
            }
            if (s.equals("$A") || s.equals("$")) return seqA(type);
            if (s.equals("$B")) return seqB(type);
            int[] ids = specials.get(s);
            if (ids == null) throw Json.error(path, "\"" + s + "\" is not in special_tokens");
            return new Special(s, ids, false, false, type);
        }

        @Override
        public int added(boolean isPair) {
            int k = 0;
            for (Special s : isPair ? pair : single) if (!s.isSequence()) k += s.ids().length;
            return k;
        }

        @Override
        public Seq process(Seq a, Seq b, boolean addSpecial) {
            if (!addSpecial) {
                Seq s = new Seq(a.n + (b == null ? 0 : b.n));
                s.addAll(a, 0, a.n, typeOf(b == null ? single : pair, false));
                if (b != null) s.addAll(b, 0, b.n, typeOf(pair, true));
                return s;
            }
            Seq s = new Seq(a.n + (b == null ? 0 : b.n) + 4);
            for (Special it : b == null ? single : pair) {
                if (it.isSequence()) {
                    Seq src = it.isB() ? b : a;
                    if (src != null) s.addAll(src, 0, src.n, it.typeId());
                } else {
                    for (int id : it.ids()) s.add(id, 0, 0, it.typeId(), 1, 1);
                }
            }
            return s;
        }

        private static int typeOf(List<Special> items, boolean isB) {
            for (Special s : items) if (s.isSequence() && s.isB() == isB) return s.typeId();
            return isB ? 1 : 0;
        }
    }

    /** ByteLevel's offset trimming: token offsets leave out leading and trailing spaces. */
    static final class ByteLevelOffsets implements PostProcessor {
        final boolean addPrefixSpace;
        /** Token text lookup, set by the tokenizer after loading. */
        java.util.function.IntFunction<String> tokenText = id -> "";

        ByteLevelOffsets(boolean addPrefixSpace) {
            this.addPrefixSpace = addPrefixSpace;
        }

        @Override
        public int added(boolean pair) {
            return 0;
        }

        @Override
        public Seq process(Seq a, Seq b, boolean addSpecial) {
            trim(a);
            if (b != null) trim(b);
            return concat(a, b);
        }

        void trim(Seq s) {
            for (int i = 0; i < s.n; i++) {
                String t = tokenText.apply(s.id[i]);
                if (t == null) continue;
                int lead = 0, trail = 0;
                while (lead < t.length() && isSpace(t.charAt(lead))) lead++;
                while (trail < t.length() && isSpace(t.charAt(t.length() - 1 - trail))) trail++;
                if (lead > 0) {
                    boolean first = i == 0 || s.start[i] == 0;
                    if (first && addPrefixSpace && lead == 1) lead = 0;
                    s.start[i] = Math.min(s.start[i] + lead, s.end[i]);
                }
                if (trail > 0 && s.end[i] >= trail) s.end[i] = Math.max(s.end[i] - trail, s.start[i]);
            }
        }

        private static boolean isSpace(char c) {
            return c == '\u0120' || Character.isWhitespace(c);
        }
    }

    static final class SequenceProcessor implements PostProcessor {
        final List<PostProcessor> list;

        SequenceProcessor(List<PostProcessor> list) {
            this.list = list;
        }

        @Override
        public int added(boolean pair) {
            int k = 0;
            for (PostProcessor p : list) k += p.added(pair);
            return k;
        }

        @Override
        public Seq process(Seq a, Seq b, boolean addSpecial) {
            // as Hugging Face: each processor sees the previous one's output as a single sequence
            Seq cur = list.isEmpty() ? concat(a, b) : null;
            for (int i = 0; i < list.size(); i++) {
                cur = i == 0 ? list.get(i).process(a, b, addSpecial) : list.get(i).process(cur, null, addSpecial);
            }
            return cur;
        }
    }
}
