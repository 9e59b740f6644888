package io.tessera.tokenizer;

/** Text to token ids and back. Implementations are immutable and safe to share between threads. */
public interface Tokenizer {

    /**
     * Token ids of {@code text}.
     *
     * @param addSpecial   add the BOS/EOS (and for WordPiece CLS/SEP) tokens the vocabulary asks for
     * @param parseSpecial recognise control tokens written in the text (e.g. "&lt;s&gt;"); user-defined
     *                     tokens are always recognised
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** {@code encode(text, true, false)}. */
    default int[] encode(String text) {
        return encode(text, true, false);
    }

    /** The text of the ids; control and unknown tokens print nothing. */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /** The text of the ids; with {@code renderSpecial}, control and unknown tokens print their text. */
    String decode(int[] ids, boolean renderSpecial);

    /** The raw bytes a token contributes to decoded text, special tokens rendered (may be partial UTF-8). */
    byte[] tokenBytes(int id);

    /** The token's text as stored in the vocabulary (e.g. "▁the", "Ġthe", "&lt;0x0A&gt;"). */
    String piece(int id);

    int vocabSize();

    /** Beginning-of-sequence id, or -1 when there is none. */
    int bos();

    /** End-of-sequence id, or -1 when there is none. */
    int eos();

    /** Whether generation should stop at this token (EOS, EOT, EOM and the like). */
    boolean isEog(int id);

    /** A detokenizer that is fed ids one at a time and emits exactly what {@link #decode(int[], boolean)} would. */
    StreamingDetokenizer streamingDetokenizer(boolean renderSpecial);
}
