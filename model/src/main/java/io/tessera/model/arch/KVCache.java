package io.tessera.model.arch;

import java.util.Arrays;

/**
 * Keys and values of every layer, stored as IEEE half floats like llama.cpp's default F16 cache.
 * Rows are position-major ({@code [pos][kvHead][headDim]}) so attention streams through memory.
 * Capacity grows on demand up to the context length, so a long context costs nothing until used.
 */
public final class KVCache {
    private final int layers;
    private final int kvDim;
    private final int maxPositions;
    private final short[][] keys;
    private final short[][] values;
    private int capacity;

    public KVCache(int layers, int kvDim, int maxPositions) {
        this.layers = layers;
        this.kvDim = kvDim;
        this.maxPositions = maxPositions;
        this.keys = new short[layers][];
        this.values = new short[layers][];
        ensureCapacity(Math.min(maxPositions, 256));
    }

    public int maxPositions() {
        return maxPositions;
    }

    public void ensureCapacity(int positions) {
        if (positions <= capacity) return;
        int next = Math.min(maxPositions, Math.max(positions, capacity * 2));
        for (int l = 0; l < layers; l++) {
            keys[l] = keys[l] == null ? new short[next * kvDim] : Arrays.copyOf(keys[l], next * kvDim);
            values[l] = values[l] == null ? new short[next * kvDim] : Arrays.copyOf(values[l], next * kvDim);
        }
        capacity = next;
    }

    public void store(int layer, int pos, float[] k, float[] v) {
        short[] kc = keys[layer], vc = values[layer];
        int base = pos * kvDim;
        for (int i = 0; i < kvDim; i++) {
            kc[base + i] = Float.floatToFloat16(k[i]);
            vc[base + i] = Float.floatToFloat16(v[i]);
        }
    }

    public short[] keys(int layer) { return keys[layer]; }
    public short[] values(int layer) { return values[layer]; }
    public int kvDim() { return kvDim; }

    /** Bytes currently allocated. */
    public long bytes() {
        return 2L * layers * capacity * kvDim * Short.BYTES;
    }
}
