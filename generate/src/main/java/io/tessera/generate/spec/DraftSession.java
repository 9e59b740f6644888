package io.tessera.generate.spec;

import io.tessera.model.Model;
import io.tessera.model.Session;

import java.util.Arrays;

/** A draft model's session kept in step with the target's context, reusing the longest common prefix. */
final class DraftSession implements AutoCloseable {
    final Session session;
    private int[] processed = new int[64]; // the tokens in the cache: processed[0, session.position())

    /** A session of {@code draft} as long as {@code target}'s (at most the draft's own), on the target's threads. */
    DraftSession(Model draft, Session target) {
        session = draft.newSession(Math.min(target.contextLength(), draft.config().contextLength()), target);
    }

    /** Brings the cache to context[0, n) and returns the logits after its last token (a fresh array). */
    float[] sync(int[] context, int n) {
        int have = session.position();
        int common = 0;
        while (common < have && common < n && processed[common] == context[common]) common++;
        if (common == n) common = n - 1; // all cached, but the logits after the last token are gone
        session.rewind(common);
        float[] logits = session.prefill(Arrays.copyOfRange(context, common, n)).clone();
        for (int i = common; i < n; i++) remember(i, context[i]);
        return logits;
    }

    /** Appends one token; returns the logits after it (a fresh array). */
    float[] decode(int token) {
        remember(session.position(), token);
        return session.decode(token).clone();
    }

    int room(int n) {
        return session.contextLength() - n;
    }

    private void remember(int pos, int token) {
        if (pos >= processed.length) processed = Arrays.copyOf(processed, Math.max(pos + 1, processed.length * 2));
        processed[pos] = token;
    }

    @Override
    public void close() {
        session.close();
    }
}
