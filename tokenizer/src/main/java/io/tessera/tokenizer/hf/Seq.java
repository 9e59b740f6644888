package io.tessera.tokenizer.hf;

import java.util.Arrays;

/** A mutable encoding under construction: ids, offsets, type ids, special mask, attention mask. */
final class Seq {
    int[] id, start, end, type, special, attention;
    int n;

    Seq(int cap) {
        cap = Math.max(cap, 8);
        id = new int[cap];
        start = new int[cap];
        end = new int[cap];
        type = new int[cap];
        special = new int[cap];
        attention = new int[cap];
    }

    void add(int i, int s, int e, int t, int sp, int att) {
        if (n == id.length) {
            int c = n * 2;
            id = Arrays.copyOf(id, c);
            start = Arrays.copyOf(start, c);
            end = Arrays.copyOf(end, c);
            type = Arrays.copyOf(type, c);
            special = Arrays.copyOf(special, c);
            attention = Arrays.copyOf(attention, c);
        }
        id[n] = i;
        start[n] = s;
        end[n] = e;
        type[n] = t;
        special[n] = sp;
        attention[n] = att;
        n++;
    }

    void addAll(Seq o, int from, int to, int typeOverride) {
        for (int k = from; k < to; k++) add(o.id[k], o.start[k], o.end[k], typeOverride >= 0 ? typeOverride : o.type[k], o.special[k], o.attention[k]);
    }

    void setType(int t) {
        Arrays.fill(type, 0, n, t);
    }

    Seq range(int from, int to) {
        Seq s = new Seq(to - from);
        s.addAll(this, from, to, -1);
        return s;
    }
}
