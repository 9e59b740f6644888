package io.tessera.generate;

/**
 * Sampling settings, with llama.cpp's meanings. A temperature of 0 (or less) means greedy decoding:
 * the highest logit wins, the lowest id on ties. Disabled values: topK 0, topP 1, minP 0, penalties 1/0/0.
 *
 * @param penaltyLastN how many of the most recent tokens the penalties look at (-1: all; 0: none)
 */
public record SamplerConfig(float temperature, int topK, float topP, float minP,
                            float repeatPenalty, float presencePenalty, float frequencyPenalty, int penaltyLastN,
                            long seed) {

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties. */
    public static SamplerConfig defaults() {
        return new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, System.nanoTime());
    }

    public static SamplerConfig greedy() {
        return new SamplerConfig(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0);
    }

    public SamplerConfig withTemperature(float t) { return new SamplerConfig(t, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, seed); }
    public SamplerConfig withTopK(int k) { return new SamplerConfig(temperature, k, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, seed); }
    public SamplerConfig withTopP(float p) { return new SamplerConfig(temperature, topK, p, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, seed); }
    public SamplerConfig withMinP(float p) { return new SamplerConfig(temperature, topK, topP, p, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, seed); }
    public SamplerConfig withSeed(long s) { return new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty, penaltyLastN, s); }
    public SamplerConfig withPenalties(float repeat, float presence, float frequency, int lastN) {
        return new SamplerConfig(temperature, topK, topP, minP, repeat, presence, frequency, lastN, seed);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }

    /** Checks ranges; throws IllegalArgumentException naming the first bad setting. */
    public SamplerConfig validate() {
        if (Float.isNaN(temperature)) throw new IllegalArgumentException("temperature is NaN");
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0f && topP <= 1f)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0f && minP <= 1f)) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        if (!(repeatPenalty > 0f)) throw new IllegalArgumentException("repeat penalty must be > 0, got " + repeatPenalty);
        if (penaltyLastN < -1) throw new IllegalArgumentException("penalty window must be >= -1, got " + penaltyLastN);
        return this;
    }
}
