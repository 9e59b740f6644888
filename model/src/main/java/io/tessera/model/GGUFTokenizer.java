package io.tessera.model;

import io.tessera.TesseraException;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.model.gguf.GGUFValue;
import io.tessera.model.gguf.GGUFValueType;
import io.tessera.tokenizer.GgufVocab;
import io.tessera.tokenizer.LlamaTokenizer;
import io.tessera.tokenizer.PreTokenizer;
import io.tessera.tokenizer.TokenAttr;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds the tokenizer a GGUF file describes ({@code tokenizer.ggml.*}), with llama.cpp's defaults and
 * its fix-ups of token attributes: special-token ids per vocabulary type, end-of-generation tokens and
 * FIM tokens recognised by their text, control tokens named "unused", and per-model strip rules.
 */
public final class GGUFTokenizer {
    private GGUFTokenizer() {}

    private static final String P = "tokenizer.ggml.";

    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final List<String> FIM_PRE_TEXTS = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final List<String> FIM_SUF_TEXTS = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final List<String> FIM_MID_TEXTS = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    private static final List<String> EOG_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
            "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[");

    /** The tokenizer of an open GGUF file; a missing or malformed key throws naming the file and key. */
    /**
     * The {@code tokenizer.ggml.*} metadata of an exported byte-level vocabulary (see
     * {@code io.tessera.tokenizer.hf.GgufExport}), ready for {@code GGUFWriter.putAll}.
     */
    public static Map<String, GGUFValue> metadata(GgufVocab v) {
        Map<String, GGUFValue> m = new java.util.LinkedHashMap<>();
        m.put(P + "model", GGUFValue.of(v.model()));
        m.put(P + "pre", GGUFValue.of(v.pre()));
        m.put(P + "tokens", GGUFValue.of(v.tokens()));
        m.put(P + "token_type", GGUFValue.of(v.tokenTypes()));
        m.put(P + "merges", GGUFValue.of(v.merges()));
        if (v.bos() >= 0) m.put(P + "bos_token_id", GGUFValue.ofUInt32(v.bos()));
        if (v.eos() >= 0) m.put(P + "eos_token_id", GGUFValue.ofUInt32(v.eos()));
        m.put(P + "add_bos_token", GGUFValue.of(v.addBos()));
        m.put(P + "add_eos_token", GGUFValue.of(false));
        return m;
    }

    public static LlamaTokenizer load(GGUFFile g) {
        String file = g.path().toString();
        String model = string(g, P + "model", null);
        if (model == null) throw new TesseraException(file + ": missing metadata key '" + P + "model' (no tokenizer in this file)");
        String pre = string(g, P + "pre", null);

        LlamaTokenizer.Type type;
        int bos, eos, unk, sep, pad;
        boolean addBos, addEos, addSpacePrefix, cleanSpaces, ignoreMerges = false;
        PreTokenizer.Spec spec = null;
        switch (model) {
            case "llama" -> {
                type = LlamaTokenizer.Type.SPM;
                bos = 1; eos = 2; unk = 0; sep = -1; pad = -1;
                addBos = true; addEos = false; addSpacePrefix = true; cleanSpaces = false;
            }
            case "bert" -> {
                type = LlamaTokenizer.Type.WPM;
                bos = 101; eos = -1; unk = 100; sep = 102; pad = 0;
                addBos = true; addEos = false; addSpacePrefix = false; cleanSpaces = true;
            }
            case "gpt2" -> {
                type = LlamaTokenizer.Type.BPE;
                bos = 11; eos = 11; unk = -1; sep = -1; pad = -1;
                spec = PreTokenizer.forName(pre);
                if (spec == null) throw new TesseraException(file + ": metadata '" + P + "pre' = '" + pre + "': unknown pre-tokenizer");
                addBos = spec.forceAddBos(); addEos = false; addSpacePrefix = false;
                cleanSpaces = spec.cleanSpaces(); ignoreMerges = spec.ignoreMerges();
            }
            default -> throw new TesseraException(file + ": metadata '" + P + "model' = '" + model
                    + "': unsupported tokenizer (supported: llama, gpt2, bert)");
        }
        addSpacePrefix = bool(g, P + "add_space_prefix", addSpacePrefix);

        String[] tokens = g.getStringArray(P + "tokens");
        int n = tokens.length;
        if (n == 0) throw new TesseraException(file + ": metadata '" + P + "tokens' is empty");
        float[] scores = null;
        if (g.has(P + "scores")) {
            scores = g.getFloatArray(P + "scores");
            if (scores.length < n) throw new TesseraException(file + ": metadata '" + P + "scores' has " + scores.length + " entries for " + n + " tokens");
        }
        int[] attrs = new int[n];
        if (g.has(P + "token_type")) {
            int[] types = g.getIntArray(P + "token_type");
            if (types.length < n) throw new TesseraException(file + ": metadata '" + P + "token_type' has " + types.length + " entries for " + n + " tokens");
            for (int i = 0; i < n; i++) attrs[i] = TokenAttr.fromTokenType(types[i]);
        } else {
            java.util.Arrays.fill(attrs, TokenAttr.NORMAL);
        }
        String[] merges = null;
        if (type == LlamaTokenizer.Type.BPE) {
            if (!g.has(P + "merges")) throw new TesseraException(file + ": missing metadata key '" + P + "merges' (needed by a gpt2 tokenizer)");
            merges = g.getStringArray(P + "merges");
        }

        Map<String, Integer> ids = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) ids.putIfAbsent(tokens[i].isEmpty() ? "[EMPTY_" + i + "]" : tokens[i], i);

        bos = specialId(g, "bos_token_id", bos, n);
        eos = specialId(g, "eos_token_id", eos, n);
        int eot = specialId(g, "eot_token_id", -1, n);
        int eom = specialId(g, "eom_token_id", -1, n);
        unk = specialId(g, "unknown_token_id", unk, n);
        sep = specialId(g, "seperator_token_id", sep, n);
        pad = specialId(g, "padding_token_id", pad, n);
        int fimPre = specialId(g, "prefix_token_id", specialId(g, "fim_pre_token_id", -1, n), n);
        int fimSuf = specialId(g, "suffix_token_id", specialId(g, "fim_suf_token_id", -1, n), n);
        int fimMid = specialId(g, "middle_token_id", specialId(g, "fim_mid_token_id", -1, n), n);
        int fimPad = specialId(g, "fim_pad_token_id", -1, n);
        int fimRep = specialId(g, "fim_rep_token_id", -1, n);
        int fimSep = specialId(g, "fim_sep_token_id", -1, n);

        addBos = bool(g, P + "add_bos_token", addBos);
        addEos = bool(g, P + "add_eos_token", addEos);
        if (addBos && bos < 0 && type != LlamaTokenizer.Type.WPM) {
            throw new TesseraException(file + ": '" + P + "add_bos_token' is true but '" + P + "bos_token_id' is not set");
        }
        if (addEos && eos < 0) throw new TesseraException(file + ": '" + P + "add_eos_token' is true but '" + P + "eos_token_id' is not set");
        boolean lowercase = bool(g, P + "normalizer.lowercase", true);
        boolean stripAccents = bool(g, P + "normalizer.strip_accents", lowercase);

        // special tokens recognised by their text, as llama.cpp does; they become control tokens
        if (eot < 0) eot = findControl(EOT_TEXTS, ids, attrs);
        if (eom < 0) eom = findControl(List.of("<|eom_id|>"), ids, attrs);
        if (fimPre < 0) fimPre = findControl(FIM_PRE_TEXTS, ids, attrs);
        if (fimSuf < 0) fimSuf = findControl(FIM_SUF_TEXTS, ids, attrs);
        if (fimMid < 0) fimMid = findControl(FIM_MID_TEXTS, ids, attrs);
        if (fimPad < 0) fimPad = findControl(FIM_PAD_TEXTS, ids, attrs);
        if (fimRep < 0) fimRep = findControl(FIM_REP_TEXTS, ids, attrs);
        if (fimSep < 0) fimSep = findControl(FIM_SEP_TEXTS, ids, attrs);
        for (int i = 0; i < n; i++) {
            if ((attrs[i] & TokenAttr.CONTROL) != 0 && tokens[i].contains("unused")) attrs[i] |= TokenAttr.UNUSED;
        }

        TreeSet<Integer> eog = new TreeSet<>();
        for (int id : new int[] {fimPad, fimRep, fimSep}) if (id >= 0) eog.add(id);
        for (String t : EOG_TEXTS) {
            Integer id = ids.get(t);
            if (id != null) {
                eog.add(id);
                attrs[id] |= TokenAttr.CONTROL;
            }
        }
        for (String t : List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>")) {
            Integer id = ids.get(t);
            if (id != null) attrs[id] = TokenAttr.USER_DEFINED;
        }
        for (int id : new int[] {eos, eot, eom}) if (id >= 0) eog.add(id);
        Integer endId = ids.get("<|end|>");
        if (endId != null && eog.contains(endId)) {
            boolean ret = inEog("<|return|>", ids, eog), call = inEog("<|call|>", ids, eog) || inEog("<|calls|>", ids, eog);
            boolean flush = inEog("<|flush|>", ids, eog);
            if ((ret && call) || (call && flush)) {
                eog.remove(endId);
                attrs[endId] = TokenAttr.USER_DEFINED;
            }
        }
        Integer sId = ids.get("</s>");
        if (sId != null && eog.contains(sId) && inEog("<|tool_response>", ids, eog)) {
            eog.remove(sId);
            attrs[sId] = TokenAttr.NORMAL;
        }

        // per-model strip rules
        String name = string(g, "general.name", "").toLowerCase(Locale.ROOT);
        String arch = string(g, "general.architecture", "");
        String preName = pre == null ? "" : pre;
        if (preName.contains("jina-v2-de") || preName.contains("jina-v2-es") || preName.contains("jina-v2-code")
                || arch.contains("nomic-bert-moe") || arch.contains("jina-bert-v3")) {
            setAttr(ids, "<mask>", attrs, TokenAttr.LSTRIP, true);
        } else if (name.contains("phi-3") || name.contains("phi3")) {
            for (int i = 0; i < n; i++) {
                if ((attrs[i] & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) != 0) attrs[i] |= TokenAttr.RSTRIP;
            }
            setAttr(ids, "</s>", attrs, TokenAttr.RSTRIP, true);
            for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) setAttr(ids, t, attrs, TokenAttr.RSTRIP, false);
        } else if (name.contains("modern-bert")) {
            setAttr(ids, "[MASK]", attrs, TokenAttr.LSTRIP, true);
        }

        LlamaTokenizer.Builder b = LlamaTokenizer.builder(type, tokens)
                .scores(scores).attrs(attrs).merges(merges)
                .bos(bos).eos(eos).unk(unk).sep(sep)
                .eog(eog.stream().mapToInt(Integer::intValue).toArray())
                .addBos(addBos).addEos(addEos).addSpacePrefix(addSpacePrefix)
                .cleanSpaces(cleanSpaces).ignoreMerges(ignoreMerges)
                .normalizer(lowercase, stripAccents);
        if (spec != null) b.preTokenizer(spec.type().regexes());
        try {
            return b.build();
        } catch (TesseraException e) {
            throw new TesseraException(file + ": " + e.getMessage(), e);
        }
    }

    private static boolean inEog(String text, Map<String, Integer> ids, TreeSet<Integer> eog) {
        Integer id = ids.get(text);
        return id != null && eog.contains(id);
    }

    private static void setAttr(Map<String, Integer> ids, String text, int[] attrs, int bit, boolean on) {
        Integer id = ids.get(text);
        if (id == null) return;
        attrs[id] = on ? attrs[id] | bit : attrs[id] & ~bit;
    }

    /** The lowest id among tokens with one of these texts, made a control token; -1 when none. */
    private static int findControl(List<String> texts, Map<String, Integer> ids, int[] attrs) {
        int best = -1;
        for (String t : texts) {
            Integer id = ids.get(t);
            if (id != null && (best < 0 || id < best)) best = id;
        }
        if (best >= 0) attrs[best] |= TokenAttr.CONTROL;
        return best;
    }

    /** A special-token id key: absent keeps the default; an id outside the vocabulary keeps the default. */
    private static int specialId(GGUFFile g, String key, int fallback, int n) {
        if (fallback >= n) fallback = -1;
        String k = P + key;
        if (!g.has(k)) return fallback;
        long v = g.getLong(k);
        GGUFValue raw = g.get(k);
        if (v < 0 && (raw.type() == GGUFValueType.INT32 || raw.type() == GGUFValueType.INT64)) return fallback;
        return v >= 0 && v < n ? (int) v : fallback;
    }

    private static String string(GGUFFile g, String key, String fallback) {
        return g.getString(key, fallback);
    }

    private static boolean bool(GGUFFile g, String key, boolean fallback) {
        return g.getBoolean(key, fallback);
    }
}
