package io.tessera.model.arch;

import io.tessera.TesseraException;

/** The transformer families Tessera runs, named as in GGUF's {@code general.architecture}. */
public enum Architecture {
    /** Llama 2, Llama 3.x (rope_freqs scaling), TinyLlama, SmolLM, Mistral: adjacent-pair rope. */
    LLAMA("llama", RopeStyle.NORMAL, false, false),
    /** Qwen2 / Qwen2.5: q, k, v biases and rotate-half (NeoX) rope. */
    QWEN2("qwen2", RopeStyle.NEOX, true, false),
    /** Qwen3: per-head RMSNorm on q and k, NeoX rope, no biases. */
    QWEN3("qwen3", RopeStyle.NEOX, false, true);

    public enum RopeStyle { NORMAL, NEOX }

    public final String ggufName;
    public final RopeStyle rope;
    public final boolean qkvBias;
    public final boolean qkNorm;

    Architecture(String ggufName, RopeStyle rope, boolean qkvBias, boolean qkNorm) {
        this.ggufName = ggufName;
        this.rope = rope;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
    }

    public static Architecture fromGGUF(String name, String where) {
        for (Architecture a : values()) if (a.ggufName.equals(name)) return a;
        throw new TesseraException(where + ": metadata 'general.architecture' = \"" + name
                + "\": unsupported architecture (supported: llama, qwen2, qwen3)");
    }
}
