package io.tessera.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * The full result of encoding one input (or a pair), as Hugging Face's Encoding: token ids, their
 * texts, the range of input chars each token came from ({@code [offsetStart, offsetEnd)}, in UTF-16
 * chars of the input; (0, 0) for added special tokens), type ids, the attention mask (0 on padding)
 * and the special-tokens mask (1 on tokens the post-processor or padding added). Immutable.
 */
public final class Encoding {
    private final int[] ids;
    private final String[] tokens;
    private final int[] typeIds;
    private final int[] offsetStart;
    private final int[] offsetEnd;
    private final int[] specialTokensMask;
    private final int[] attentionMask;
    private final List<Encoding> overflowing;

    public Encoding(int[] ids, String[] tokens, int[] typeIds, int[] offsetStart, int[] offsetEnd,
                    int[] specialTokensMask, int[] attentionMask, List<Encoding> overflowing) {
        int n = ids.length;
        if (tokens.length != n || typeIds.length != n || offsetStart.length != n || offsetEnd.length != n
                || specialTokensMask.length != n || attentionMask.length != n) {
            throw new IllegalArgumentException("encoding arrays differ in length");
        }
        this.ids = ids;
        this.tokens = tokens;
        this.typeIds = typeIds;
        this.offsetStart = offsetStart;
        this.offsetEnd = offsetEnd;
        this.specialTokensMask = specialTokensMask;
        this.attentionMask = attentionMask;
        this.overflowing = List.copyOf(overflowing);
    }

    public int size() { return ids.length; }
    public int[] ids() { return ids.clone(); }
    public String[] tokens() { return tokens.clone(); }
    public int[] typeIds() { return typeIds.clone(); }
    public int[] offsetStarts() { return offsetStart.clone(); }
    public int[] offsetEnds() { return offsetEnd.clone(); }
    /** {@code [start, end)} of token {@code i} in the input's chars. */
    public int[] offsets(int i) { return new int[] {offsetStart[i], offsetEnd[i]}; }
    public int[] attentionMask() { return attentionMask.clone(); }
    public int[] specialTokensMask() { return specialTokensMask.clone(); }
    /** The parts cut off by truncation, each its own encoding (with the stride's overlap). */
    public List<Encoding> overflowing() { return overflowing; }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(ids);
    }
}
