package io.tessera.model.tensor;

/** Per-thread scratch buffers of the kernels, so that matvec and matmul allocate nothing per call. */
final class Scratch {
    private Scratch() {}

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    /** Eight per-row scales (or other small per-lane values), then room for a tile of them. */
    final float[] scales = new float[64];
    final int[] ints = new int[64];
    /** Decoded weights of one block for the matmul tiles. */
    final short[] weights = new short[512];
    final int[] blockInts = new int[128];
    final float[] accs = new float[128];
    /** Eight float lanes for each row of a group of interleaved rows ({@link InterleavedQ6K}). */
    final float[] laneAccs = new float[8 * Interleaved.ROWS];
    final int[] laneSubs = new int[8 * Interleaved.ROWS];
    final int[] laneDots = new int[8 * Interleaved.ROWS];
    /** The tokens of a matmul tile. */
    final Q8KInput[] kInputs = new Q8KInput[KQuantTensor.TILE];
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
