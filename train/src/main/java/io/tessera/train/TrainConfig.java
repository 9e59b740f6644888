package io.tessera.train;

import io.tessera.TesseraException;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Shape of a {@code llama} model and the hyper-parameters of its training. Fields are public and mutable;
 * set them directly or by name with {@link #set(String, String)} (which rejects unknown keys), then
 * {@link #validate()}. Every key round-trips through {@link #toMap()} / {@link #fromMap(Map)}, which is how
 * checkpoints record the configuration they were trained with.
 */
public final class TrainConfig {
    // model shape
    public int dim = 64;
    public int layers = 2;
    public int heads = 4;
    public int kvHeads = 2;
    public int ffn = 128;
    public int vocab = 512;
    /** Tokens per packed row (T); also the context length written to checkpoints. */
    public int seqLen = 64;
    public float ropeTheta = 10000f;
    public float rmsEps = 1e-5f;
    /** Output projection shares the token embedding matrix. */
    public boolean tied = true;
    /** Standard deviation of the normal initialisation of the matrices (norms start at 1). */
    public float initStd = 0.02f;

    // training
    /** Rows per step (B). */
    public int batch = 8;
    public long seed = 1;
    public int threads = 1;
    public float lr = 1e-3f;
    public float minLr = 1e-4f;
    public int warmup = 0;
    /** Steps of the learning-rate schedule (cosine or linear decay reaches minLr here). */
    public int scheduleSteps = 1000;
    /** constant, cosine or linear (after the linear warm-up). */
    public String schedule = "cosine";
    /** adamw, ademamix, spam or stable-spam. */
    public String optimizer = "adamw";
    public float beta1 = 0.9f;
    public float beta2 = 0.95f;
    public float eps = 1e-8f;
    /** Decoupled weight decay, applied to matrices only (not to norm weights). */
    public float weightDecay = 0.1f;
    /** Global gradient-norm clipping threshold; 0 disables. */
    public float clipNorm = 1.0f;

    // AdEMAMix
    public float beta3 = 0.9999f;
    public float alpha = 5f;
    /** Warm-up steps of alpha (linear from 0) and of beta3 (from beta1, as in the paper); 0 = none. */
    public int alphaWarmup = 0;
    public int beta3Warmup = 0;

    // SPAM / Stable-SPAM
    /** SPAM: a gradient entry with g^2 > threshold * v is clipped to sign(g) * sqrt(threshold * v). */
    public float spamThreshold = 5000f;
    /** Steps between momentum resets (SPAM and Stable-SPAM); 0 = never. */
    public int resetInterval = 500;
    /** SPAM: cosine learning-rate warm-up steps after each momentum reset. */
    public int resetWarmup = 150;
    /** Stable-SPAM: EMA rates of the gradient-norm mean (gamma1), squared norm (gamma2) and max |g| (theta). */
    public float gamma1 = 0.7f;
    public float gamma2 = 0.9f;
    public float theta = 0.999f;

    public static TrainConfig defaults() {
        return new TrainConfig();
    }

    public int headDim() { return dim / heads; }
    public int qDim() { return heads * headDim(); }
    public int kvDim() { return kvHeads * headDim(); }

    public TrainConfig copy() {
        return fromMap(toMap());
    }

    /** Checks shapes and ranges; throws {@link TesseraException} naming the key. */
    public TrainConfig validate() {
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kvHeads", kvHeads);
        positive("ffn", ffn);
        positive("vocab", vocab);
        positive("seqLen", seqLen);
        positive("batch", batch);
        positive("threads", threads);
        if (dim % heads != 0) bad("dim " + dim + " is not a multiple of heads " + heads);
        if (heads % kvHeads != 0) bad("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
        if (headDim() % 2 != 0) bad("head size dim/heads = " + headDim() + " must be even (rope rotates pairs)");
        if (!(lr >= 0) || !(minLr >= 0)) bad("lr and minLr must be >= 0");
        if (warmup < 0 || scheduleSteps < 1) bad("warmup must be >= 0 and scheduleSteps >= 1");
        if (!schedule.equals("constant") && !schedule.equals("cosine") && !schedule.equals("linear")) {
            bad("schedule '" + schedule + "' (constant, cosine, linear)");
        }
        if (!optimizer.equals("adamw") && !optimizer.equals("ademamix") && !optimizer.equals("spam") && !optimizer.equals("stable-spam")) {
            bad("optimizer '" + optimizer + "' (adamw, ademamix, spam, stable-spam)");
        }
        for (float b : new float[]{beta1, beta2, beta3, gamma1, gamma2, theta}) {
            if (!(b >= 0 && b < 1)) bad("betas, gammas and theta must be in [0, 1), got " + b);
        }
        if (!(eps > 0)) bad("eps must be > 0");
        if (!(weightDecay >= 0) || !(clipNorm >= 0) || !(alpha >= 0) || !(spamThreshold >= 0)) {
            bad("weightDecay, clipNorm, alpha and spamThreshold must be >= 0");
        }
        if (alphaWarmup < 0 || beta3Warmup < 0 || resetInterval < 0 || resetWarmup < 0) bad("warm-up and reset steps must be >= 0");
        if (!(initStd > 0) || !(rmsEps > 0) || !(ropeTheta > 0)) bad("initStd, rmsEps and ropeTheta must be > 0");
        return this;
    }

    private static void positive(String key, int v) {
        if (v <= 0) bad(key + " must be positive, got " + v);
    }

    private static void bad(String what) {
        throw new TesseraException("train config: " + what);
    }

    /** Sets one key from its text form. Unknown keys and unparsable values throw {@link TesseraException}. */
    public TrainConfig set(String key, String value) {
        String v = value.trim();
        try {
            switch (key) {
                case "dim" -> dim = Integer.parseInt(v);
                case "layers" -> layers = Integer.parseInt(v);
                case "heads" -> heads = Integer.parseInt(v);
                case "kvHeads" -> kvHeads = Integer.parseInt(v);
                case "ffn" -> ffn = Integer.parseInt(v);
                case "vocab" -> vocab = Integer.parseInt(v);
                case "seqLen" -> seqLen = Integer.parseInt(v);
                case "ropeTheta" -> ropeTheta = Float.parseFloat(v);
                case "rmsEps" -> rmsEps = Float.parseFloat(v);
                case "tied" -> tied = bool(key, v);
                case "initStd" -> initStd = Float.parseFloat(v);
                case "batch" -> batch = Integer.parseInt(v);
                case "seed" -> seed = Long.parseLong(v);
                case "threads" -> threads = Integer.parseInt(v);
                case "lr" -> lr = Float.parseFloat(v);
                case "minLr" -> minLr = Float.parseFloat(v);
                case "warmup" -> warmup = Integer.parseInt(v);
                case "scheduleSteps" -> scheduleSteps = Integer.parseInt(v);
                case "schedule" -> schedule = v.toLowerCase(Locale.ROOT);
                case "optimizer" -> optimizer = v.toLowerCase(Locale.ROOT);
                case "beta1" -> beta1 = Float.parseFloat(v);
                case "beta2" -> beta2 = Float.parseFloat(v);
                case "eps" -> eps = Float.parseFloat(v);
                case "weightDecay" -> weightDecay = Float.parseFloat(v);
                case "clipNorm" -> clipNorm = Float.parseFloat(v);
                case "beta3" -> beta3 = Float.parseFloat(v);
                case "alpha" -> alpha = Float.parseFloat(v);
                case "alphaWarmup" -> alphaWarmup = Integer.parseInt(v);
                case "beta3Warmup" -> beta3Warmup = Integer.parseInt(v);
                case "spamThreshold" -> spamThreshold = Float.parseFloat(v);
                case "resetInterval" -> resetInterval = Integer.parseInt(v);
                case "resetWarmup" -> resetWarmup = Integer.parseInt(v);
                case "gamma1" -> gamma1 = Float.parseFloat(v);
                case "gamma2" -> gamma2 = Float.parseFloat(v);
                case "theta" -> theta = Float.parseFloat(v);
                default -> throw new TesseraException("train config: unknown key '" + key + "' (known: "
                        + String.join(", ", defaults().toMap().keySet()) + ")");
            }
        } catch (NumberFormatException e) {
            throw new TesseraException("train config: key '" + key + "': cannot parse '" + value + "'");
        }
        return this;
    }

    private static boolean bool(String key, String v) {
        if (v.equalsIgnoreCase("true")) return true;
        if (v.equalsIgnoreCase("false")) return false;
        throw new TesseraException("train config: key '" + key + "': expected true or false, got '" + v + "'");
    }

    /** Every key and its value as text, in a fixed order. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("dim", "" + dim);
        m.put("layers", "" + layers);
        m.put("heads", "" + heads);
        m.put("kvHeads", "" + kvHeads);
        m.put("ffn", "" + ffn);
        m.put("vocab", "" + vocab);
        m.put("seqLen", "" + seqLen);
        m.put("ropeTheta", "" + ropeTheta);
        m.put("rmsEps", "" + rmsEps);
        m.put("tied", "" + tied);
        m.put("initStd", "" + initStd);
        m.put("batch", "" + batch);
        m.put("seed", "" + seed);
        m.put("threads", "" + threads);
        m.put("lr", "" + lr);
        m.put("minLr", "" + minLr);
        m.put("warmup", "" + warmup);
        m.put("scheduleSteps", "" + scheduleSteps);
        m.put("schedule", schedule);
        m.put("optimizer", optimizer);
        m.put("beta1", "" + beta1);
        m.put("beta2", "" + beta2);
        m.put("eps", "" + eps);
        m.put("weightDecay", "" + weightDecay);
        m.put("clipNorm", "" + clipNorm);
        m.put("beta3", "" + beta3);
        m.put("alpha", "" + alpha);
        m.put("alphaWarmup", "" + alphaWarmup);
        m.put("beta3Warmup", "" + beta3Warmup);
        m.put("spamThreshold", "" + spamThreshold);
        m.put("resetInterval", "" + resetInterval);
        m.put("resetWarmup", "" + resetWarmup);
        m.put("gamma1", "" + gamma1);
        m.put("gamma2", "" + gamma2);
        m.put("theta", "" + theta);
        return m;
    }

    public static TrainConfig fromMap(Map<String, String> values) {
        TrainConfig c = new TrainConfig();
        values.forEach(c::set);
        return c;
    }
}
