package io.tessera.tokenizer;

import java.util.Arrays;

/** A growable list of ints. */
final class IntList {
    private int[] a;
    private int n;

    IntList(int capacity) {
        a = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
        a[n++] = v;
    }

    void addAll(int[] v, int count) {
        if (n + count > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + count));
        System.arraycopy(v, 0, a, n, count);
        n += count;
    }

    int capacity() {
        return a.length;
    }

    int get(int i) {
        return a[i];
    }

    int size() {
        return n;
    }

    void truncate(int size) {
        n = size;
    }

    int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
