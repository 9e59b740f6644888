package io.tessera.model.arch;

import java.util.Arrays;

/**
 * Keys and values of every layer, stored as IEEE half floats like llama.cpp's default F16 cache.
 * Values are position-major ({@code [pos][kvHead][headDim]}); keys are in tiles of {@link #TILE} positions,
 * {@code [pos / TILE][kvHead][headDim][pos % TILE]}, so that attention computes the scores of a tile of positions
 * in vector lanes, one lane per position, each in the plain sequential order. Both stream through memory.
 * Capacity grows on demand up to the context length, so a long context costs nothing until used.
 */
public final class KVCache {
    /** Positions per key tile. */
    public static final int TILE = 16;

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
        next = (next + TILE - 1) / TILE * TILE; // whole key tiles
        for (int l = 0; l < layers; l++) {
            keys[l] = keys[l] == null ? new short[next * kvDim] : Arrays.copyOf(keys[l], next * kvDim);
            values[l] = values[l] == null ? new short[next * kvDim] : Arrays.copyOf(values[l], next * kvDim);
        }
        capacity = next;
    }

    public void store(int layer, int pos, float[] k, float[] v) {
        short[] kc = keys[layer], vc = values[layer];
        int base = pos * kvDim;
        for (int i = 0; i < kvDim; i++) vc[base + i] = Float.floatToFloat16(v[i]);
        int tile = keyTile(pos), lane = pos % TILE;
        for (int i = 0; i < kvDim; i++) kc[tile + i * TILE + lane] = Float.floatToFloat16(k[i]);
    }

    /** Copies the key and value of position {@code from} to position {@code to}, in every layer. */
    public void move(int from, int to) {
        int ft = keyTile(from), fl = from % TILE, tt = keyTile(to), tl = to % TILE;
        for (int l = 0; l < layers; l++) {
            short[] kc = keys[l];
            System.arraycopy(values[l], from * kvDim, values[l], to * kvDim, kvDim);
            for (int i = 0; i < kvDim; i++) kc[tt + i * TILE + tl] = kc[ft + i * TILE + fl];
        }
    }

    /** Keys of {@code layer}, tiled: see {@link #keyTile}. */
    public short[] keys(int layer) { return keys[layer]; }
    /** Start of the key tile holding {@code pos}: element {@code j} of the key at position p is at {@code keyTile(p) + j * TILE + p % TILE}. */
    public int keyTile(int pos) { return pos / TILE * TILE * kvDim; }
    /** Values of {@code layer}: element {@code j} of the value at position p is at {@code p * kvDim + j}. */
    public short[] values(int layer) { return values[layer]; }
    public int kvDim() { return kvDim; }
    /** Positions allocated (a multiple of {@link #TILE}). */
    public int capacity() { return capacity; }

    /** Bytes currently allocated. */
    public long bytes() {
        return 2L * layers * capacity * kvDim * Short.BYTES;
    }
}
