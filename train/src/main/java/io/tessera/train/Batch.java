package io.tessera.train;

import io.tessera.TesseraException;

/**
 * {@code rows} packed rows of {@code seqLen} tokens, flattened row-major. Token t predicts targets[t] with
 * loss weight weights[t] (0 = masked, e.g. padding). positions[t] is t's position within its document:
 * a document starts where the position is 0, and a token attends only to the tokens of its own document
 * up to itself (t - positions[t] .. t), so documents packed into one row never see each other.
 */
public record Batch(int rows, int seqLen, int[] tokens, int[] targets, float[] weights, int[] positions) {
    public Batch {
        int n = rows * seqLen;
        if (rows <= 0 || seqLen <= 0 || tokens.length != n || targets.length != n || weights.length != n || positions.length != n) {
            throw new TesseraException("batch: arrays must hold rows x seqLen = " + n + " entries");
        }
        for (int t = 0; t < n; t++) {
            int i = t % seqLen;
            if (positions[t] < 0 || positions[t] > i || (i > 0 && positions[t] != 0 && positions[t] != positions[t - 1] + 1)) {
                throw new TesseraException("batch: position " + positions[t] + " at row " + t / seqLen + " column " + i
                        + " (positions restart at 0 for each document and count up by one)");
            }
        }
    }

    public int size() {
        return rows * seqLen;
    }

    /** One document per row: positions 0 .. seqLen-1, every weight 1. */
    public static Batch of(int rows, int seqLen, int[] tokens, int[] targets) {
        int n = rows * seqLen;
        float[] w = new float[n];
        int[] pos = new int[n];
        for (int t = 0; t < n; t++) {
            w[t] = 1f;
            pos[t] = t % seqLen;
        }
        return new Batch(rows, seqLen, tokens, targets, w, pos);
    }
}
