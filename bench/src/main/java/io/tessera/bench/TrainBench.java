package io.tessera.bench;

import io.tessera.train.Dataset;
import io.tessera.train.TrainConfig;
import io.tessera.train.Trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Training speed of a llama shape: tokens per second of full optimizer steps (forward, backward, AdamW) on
 * random tokens, after warm-up steps. Used by {@code bench/train-vs-pytorch.sh}; prints one JSON line.
 *
 * <pre>
 * java ... io.tessera.bench.TrainBench --dim 256 --layers 6 --heads 8 --kv-heads 4 --ffn 688 --vocab 4096 \
 *     --seq 256 --batch 8 --threads 2 --warmup 3 --steps 10
 * </pre>
 */
public final class TrainBench {
    public static void main(String[] args) {
        TrainConfig c = TrainConfig.defaults();
        c.dim = 256; c.layers = 6; c.heads = 8; c.kvHeads = 4; c.ffn = 688; c.vocab = 4096; c.seqLen = 256; c.batch = 8;
        c.threads = 2; c.optimizer = "adamw"; c.lr = 1e-3f; c.warmup = 0; c.schedule = "constant"; c.tied = true;
        int warmup = 3, steps = 10;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--dim" -> c.dim = Integer.parseInt(v);
                case "--layers" -> c.layers = Integer.parseInt(v);
                case "--heads" -> c.heads = Integer.parseInt(v);
                case "--kv-heads" -> c.kvHeads = Integer.parseInt(v);
                case "--ffn" -> c.ffn = Integer.parseInt(v);
                case "--vocab" -> c.vocab = Integer.parseInt(v);
                case "--seq" -> c.seqLen = Integer.parseInt(v);
                case "--batch" -> c.batch = Integer.parseInt(v);
                case "--threads" -> c.threads = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--steps" -> steps = Integer.parseInt(v);
                case "--optimizer" -> c.optimizer = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        c.validate();
        // documents longer than a row: every row is full (no padding), causal attention over the whole row
        SplittableRandom r = new SplittableRandom(1);
        List<int[]> docs = new ArrayList<>();
        for (int d = 0; d < c.batch * 4; d++) {
            int[] doc = new int[c.seqLen + 1];
            for (int i = 0; i < doc.length; i++) doc[i] = r.nextInt(c.vocab);
            docs.add(doc);
        }
        Dataset data = Dataset.pack(docs, c.seqLen, 0);
        try (Trainer t = new Trainer(c, data)) {
            t.train(warmup, null);
            long t0 = System.nanoTime();
            double[] last = new double[1];
            t.train(steps, s -> last[0] = s.loss());
            double secs = (System.nanoTime() - t0) / 1e9;
            double tokens = (double) steps * c.batch * c.seqLen;
            System.out.printf(Locale.ROOT, "{\"engine\":\"tessera\",\"params\":%d,\"tokens_per_step\":%d,\"steps\":%d,\"seconds\":%.3f,\"tokens_per_second\":%.1f,\"loss\":%.4f}%n",
                    t.params().count(), c.batch * c.seqLen, steps, secs, tokens / secs, last[0]);
        }
    }
}
