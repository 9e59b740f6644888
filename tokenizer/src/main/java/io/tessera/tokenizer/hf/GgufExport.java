package io.tessera.tokenizer.hf;

import io.tessera.TesseraException;
import io.tessera.tokenizer.GgufVocab;
import io.tessera.tokenizer.RegexSplitter;

/**
 * Exports a byte-level BPE {@link HFTokenizer} as GGUF tokenizer metadata that llama.cpp (and
 * Tessera's GGUF loader) turn into the same ids: the pre-tokenizer must be one llama.cpp has built in
 * (Llama 3's split regex: "llama-bpe" with ignore_merges, "smaug-bpe" without; GPT-2's ByteLevel
 * regex: "gpt-2"), with no normalizer and no byte fallback.
 */
public final class GgufExport {
    private GgufExport() {}

    /** Llama 3's regex as its tokenizer.json writes it. */
    static final String LLAMA3_HF = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    public static GgufVocab of(HFTokenizer tok) {
        if (!(tok.model instanceof Models.Bpe bpe)) throw new TesseraException("GGUF export: only BPE models can be exported");
        if (bpe.byteFallback || bpe.prefix != null || bpe.suffix != null) {
            throw new TesseraException("GGUF export: byte_fallback, continuing_subword_prefix and end_of_word_suffix have no llama.cpp equivalent");
        }
        if (tok.normalizer != null) throw new TesseraException("GGUF export: llama.cpp applies no normalizer; the tokenizer has one");
        String pre = preName(tok.preTokenizer, bpe.ignoreMerges);
        int n = tok.vocabSize();
        String[] tokens = new String[n];
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            String t = tok.piece(id);
            AddedVocabulary.Token a = tok.added.byId.get(id);
            if (t == null) {
                tokens[id] = "[PAD" + id + "]";
                types[id] = GgufVocab.UNUSED;
            } else {
                tokens[id] = t;
                types[id] = a == null ? GgufVocab.NORMAL : a.special() ? GgufVocab.CONTROL : GgufVocab.USER_DEFINED;
            }
        }
        int[][] rules = bpe.merger.rulesByRank();
        String[] merges = new String[rules.length];
        for (int i = 0; i < rules.length; i++) {
            String l = bpe.idToToken[rules[i][0]], r = bpe.idToToken[rules[i][1]];
            if (l.indexOf(' ') >= 0 || r.indexOf(' ') >= 0) throw new TesseraException("GGUF export: merge of a token with a space: \"" + l + "\" \"" + r + "\"");
            merges[i] = l + " " + r;
        }
        int eos = tok.eos();
        int bos = tok.bos();
        for (String name : new String[] {"<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>"}) {
            AddedVocabulary.Token t = tok.added.byContent.get(name);
            if (bos < 0 && t != null) bos = t.id();
        }
        if (bos < 0) bos = eos;
        boolean addBos = tok.bos() >= 0 && tok.postProcessor.added(false) > 0;
        return new GgufVocab(pre, tokens, types, merges, bos, eos, addBos);
    }

    private static String preName(PreTokenizers.PreTokenizer pre, boolean ignoreMerges) {
        if (pre instanceof PreTokenizers.ByteLevelPre b && !b.addPrefixSpace() && b.useRegex()) {
            if (ignoreMerges) throw new TesseraException("GGUF export: GPT-2's pre-tokenizer with ignore_merges has no llama.cpp equivalent");
            return "gpt-2";
        }
        if (pre instanceof PreTokenizers.SequencePre seq && seq.list().size() == 2
                && seq.list().get(0) instanceof PreTokenizers.Split sp
                && seq.list().get(1) instanceof PreTokenizers.ByteLevelPre b && !b.addPrefixSpace() && !b.useRegex()
                && sp.behavior() == PreTokenizers.Behavior.ISOLATED && !sp.invert()
                && (LLAMA3_HF.equals(sp.regex()) || RegexSplitter.LLAMA3.equals(sp.regex()))) {
            return ignoreMerges ? "llama-bpe" : "smaug-bpe";
        }
        throw new TesseraException("GGUF export: the pre-tokenizer has no llama.cpp equivalent (supported: Llama 3's split regex + ByteLevel, GPT-2's ByteLevel)");
    }
}
