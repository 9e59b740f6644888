package io.tessera.tokenizer;

/**
 * A byte-level BPE vocabulary as GGUF tokenizer metadata ({@code tokenizer.ggml.*}): what llama.cpp
 * and Tessera's GGUF loader need to give the same ids as the tokenizer it was exported from.
 *
 * @param pre        {@code tokenizer.ggml.pre}, a pre-tokenizer name llama.cpp knows ("llama-bpe", "smaug-bpe", "gpt-2")
 * @param tokens     {@code tokenizer.ggml.tokens}, by id (byte-level strings)
 * @param tokenTypes {@code tokenizer.ggml.token_type}: 1 normal, 3 control (special), 4 user-defined (added, not special)
 * @param merges     {@code tokenizer.ggml.merges}, "left right" by rank
 * @param bos        {@code tokenizer.ggml.bos_token_id}, -1 for none
 * @param eos        {@code tokenizer.ggml.eos_token_id}, -1 for none
 * @param addBos     {@code tokenizer.ggml.add_bos_token}
 */
public record GgufVocab(String pre, String[] tokens, int[] tokenTypes, String[] merges, int bos, int eos, boolean addBos) {
    public static final int NORMAL = 1, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5;

    /** {@code tokenizer.ggml.model}. */
    public String model() {
        return "gpt2";
    }
}
