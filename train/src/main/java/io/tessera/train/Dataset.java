package io.tessera.train;

import io.tessera.TesseraException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Documents packed into fixed-length rows with a document mask ("dynamic packing"): a document of L tokens
 * takes L-1 slots of a row (its last token is only a target), documents are placed largest first into the
 * row with the least room that still fits them (best-fit decreasing), and what no document fills is
 * padding (weight 0). A document longer than seqLen + 1 tokens is cut into pieces of seqLen + 1 tokens
 * overlapping by one, each packed as its own document (positions restart at 0). Positions restart at 0
 * at every document, which is what confines attention to the document (see {@link Batch}).
 *
 * <p>Batches are drawn by {@link #batch(long, int, long)} as a pure function of the step: step s takes rows
 * s*B .. s*B+B-1 of an endless sequence of epochs, each epoch a seeded permutation of the rows, so a resumed
 * run sees exactly the batches the uninterrupted run would have seen.
 */
public final class Dataset {
    private final int seqLen;
    private final int[][] tokens, targets, positions;
    private final float[][] weights;
    private final long usedSlots;

    private Dataset(int seqLen, List<int[]> tok, List<int[]> tgt, List<int[]> pos, List<float[]> w, long used) {
        this.seqLen = seqLen;
        this.tokens = tok.toArray(new int[0][]);
        this.targets = tgt.toArray(new int[0][]);
        this.positions = pos.toArray(new int[0][]);
        this.weights = w.toArray(new float[0][]);
        this.usedSlots = used;
    }

    /** Packs documents (token ids; documents under 2 tokens carry no prediction and are dropped). */
    public static Dataset pack(List<int[]> documents, int seqLen, int padId) {
        if (seqLen < 1) throw new TesseraException("pack: seqLen must be positive, got " + seqLen);
        List<int[]> pieces = new ArrayList<>();
        for (int[] d : documents) {
            if (d.length < 2) continue;
            for (int start = 0; start < d.length - 1; start += seqLen) {
                pieces.add(Arrays.copyOfRange(d, start, Math.min(d.length, start + seqLen + 1)));
            }
        }
        if (pieces.isEmpty()) throw new TesseraException("pack: no document has the 2 tokens needed for one prediction");
        // stable sort, longest first: ties keep corpus order, so packing is deterministic
        Integer[] order = new Integer[pieces.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -pieces.get(i).length));
        // best fit: bucket rows by free slots
        List<List<int[]>> rowDocs = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        @SuppressWarnings("unchecked")
        java.util.ArrayDeque<Integer>[] byFree = new java.util.ArrayDeque[seqLen + 1];
        for (int i = 0; i <= seqLen; i++) byFree[i] = new java.util.ArrayDeque<>();
        for (int idx : order) {
            int[] d = pieces.get(idx);
            int need = d.length - 1;
            int row = -1;
            for (int f = need; f <= seqLen; f++) {
                if (!byFree[f].isEmpty()) {
                    row = byFree[f].pollFirst();
                    break;
                }
            }
            if (row < 0) {
                row = rowDocs.size();
                rowDocs.add(new ArrayList<>());
                free.add(seqLen);
            }
            rowDocs.get(row).add(d);
            int left = free.get(row) - need;
            free.set(row, left);
            byFree[left].addLast(row);
        }
        List<int[]> tok = new ArrayList<>(), tgt = new ArrayList<>(), pos = new ArrayList<>();
        List<float[]> w = new ArrayList<>();
        long used = 0;
        for (List<int[]> docs : rowDocs) {
            int[] t = new int[seqLen], y = new int[seqLen], p = new int[seqLen];
            float[] wt = new float[seqLen];
            int k = 0;
            for (int[] d : docs) {
                for (int i = 0; i < d.length - 1; i++, k++) {
                    t[k] = d[i];
                    y[k] = d[i + 1];
                    p[k] = i;
                    wt[k] = 1f;
                }
            }
            used += k;
            for (int i = 0; k < seqLen; k++, i++) { // padding: its own segment, masked out of the loss
                t[k] = padId;
                y[k] = padId;
                p[k] = i;
            }
            tok.add(t);
            tgt.add(y);
            pos.add(p);
            w.add(wt);
        }
        return new Dataset(seqLen, tok, tgt, pos, w, used);
    }

    public int rows() {
        return tokens.length;
    }

    public int seqLen() {
        return seqLen;
    }

    /** Fraction of slots that are padding. */
    public double paddingFraction() {
        return 1.0 - usedSlots / ((double) tokens.length * seqLen);
    }

    /** Number of trained (non-padding) token slots. */
    public long tokens() {
        return usedSlots;
    }

    /** The batch of step {@code step} (0-based): a deterministic function of (step, batch size, seed). */
    public Batch batch(long step, int batchSize, long seed) {
        int n = rows();
        int[] rowIds = new int[batchSize];
        long first = step * batchSize;
        int[] perm = null;
        long permEpoch = -1;
        for (int r = 0; r < batchSize; r++) {
            long k = first + r;
            long epoch = k / n;
            if (epoch != permEpoch) {
                perm = permutation(n, seed, epoch);
                permEpoch = epoch;
            }
            rowIds[r] = perm[(int) (k % n)];
        }
        return rowsBatch(rowIds);
    }

    /** A dataset of the first {@code n} rows of this one. */
    public Dataset firstRows(int n) {
        n = Math.min(n, rows());
        long used = 0;
        for (int r = 0; r < n; r++) for (float w : weights[r]) if (w != 0) used++;
        return new Dataset(seqLen, Arrays.asList(Arrays.copyOf(tokens, n)), Arrays.asList(Arrays.copyOf(targets, n)),
                Arrays.asList(Arrays.copyOf(positions, n)), Arrays.asList(Arrays.copyOf(weights, n)), used);
    }

    /** Rows {@code from .. to-1} in order (for evaluation). */
    public Batch rows(int from, int to) {
        int[] ids = new int[to - from];
        for (int i = 0; i < ids.length; i++) ids[i] = from + i;
        return rowsBatch(ids);
    }

    private Batch rowsBatch(int[] ids) {
        int T = seqLen, n = ids.length * T;
        int[] t = new int[n], y = new int[n], p = new int[n];
        float[] w = new float[n];
        for (int r = 0; r < ids.length; r++) {
            System.arraycopy(tokens[ids[r]], 0, t, r * T, T);
            System.arraycopy(targets[ids[r]], 0, y, r * T, T);
            System.arraycopy(positions[ids[r]], 0, p, r * T, T);
            System.arraycopy(weights[ids[r]], 0, w, r * T, T);
        }
        return new Batch(ids.length, T, t, y, w, p);
    }

    private static int[] permutation(int n, long seed, long epoch) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int x = a[i];
            a[i] = a[j];
            a[j] = x;
        }
        return a;
    }
}
