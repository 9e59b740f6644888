package io.tessera.train;

/**
 * Learning rate at a step (1-based): linear warm-up from lr/warmup to lr over {@code warmup} steps, then
 * constant, or a cosine or linear decay from lr to minLr reached at {@code scheduleSteps} (and kept after).
 */
public final class LrSchedule {
    private LrSchedule() {}

    public static float at(TrainConfig c, long step) {
        if (c.warmup > 0 && step <= c.warmup) return (float) ((double) c.lr * step / c.warmup);
        if (c.schedule.equals("constant")) return c.lr;
        double span = Math.max(1, c.scheduleSteps - c.warmup);
        double progress = Math.min(1.0, Math.max(0.0, (step - c.warmup) / span));
        if (c.schedule.equals("linear")) return (float) (c.lr + (c.minLr - c.lr) * progress);
        return (float) (c.minLr + 0.5 * (c.lr - c.minLr) * (1 + Math.cos(Math.PI * progress)));
    }
}
