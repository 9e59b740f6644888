package io.tessera.model.tensor;

/** Per-thread scratch buffers of the kernels, so that matvec and matmul allocate nothing per call. */
final class Scratch {
    private Scratch() {}

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    /** Eight per-row scales (or other small per-lane values), then room for a tile of them. */
    final float[] scales = new float[64];
    final int[] ints = new int[64];
    private float[] big = new float[0];

    static Scratch get() {
        return LOCAL.get();
    }

    /** A float buffer of at least {@code n} values, reused by this thread. */
    float[] floats(int n) {
        if (big.length < n) big = new float[n];
        return big;
    }
}
