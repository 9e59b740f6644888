package io.tessera.model;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of platform compute threads. {@link #forRange} splits [0, n) into one contiguous
 * chunk per thread, runs chunk 0 on the caller and waits for the rest. No allocation per call.
 * Not re-entrant: one caller at a time (one pool per model session).
 */
public final class Parallel implements AutoCloseable {

    /** Work on the half-open range [from, to). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to);
    }

    /**
     * How long a waiting thread spins before it parks. Counted in time, not iterations: a PAUSE takes from
     * a few to a hundred cycles depending on the CPU, and waking a parked thread costs tens of microseconds
     * to milliseconds on a VM, more than a small model spends on a whole layer.
     */
    private static final long SPIN_NANOS = 2_000_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile RangeTask task;
    private volatile int n;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile Throwable failure;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            final int index = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("tessera-compute-" + index).start(() -> workerLoop(index));
        }
    }

    public int threads() {
        return threads;
    }

    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public void forRange(int n, RangeTask task) {
        if (threads == 1 || n < 2) {
            task.run(0, n);
            return;
        }
        this.task = task;
        this.n = n;
        this.caller = Thread.currentThread();
        pending.set(workers.length);
        generation++;
        for (Thread w : workers) LockSupport.unpark(w);
        runChunk(0, task, n);
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (pending.get() > 0) {
            if (System.nanoTime() < spinUntil) Thread.onSpinWait();
            else LockSupport.park(this);
        }
        this.task = null;
        Throwable f = failure;
        if (f != null) {
            failure = null;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error e) throw e;
            throw new RuntimeException(f);
        }
    }

    private void runChunk(int index, RangeTask t, int count) {
        int from = (int) ((long) count * index / threads);
        int to = (int) ((long) count * (index + 1) / threads);
        if (from < to) t.run(from, to);
    }

    private void workerLoop(int index) {
        long seen = 0;
        while (!closed) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (generation == seen && !closed) {
                if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            try {
                runChunk(index, task, n);
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
