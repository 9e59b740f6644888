package io.tessera.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The parameters of a {@code llama} model, named and shaped as in a llama.cpp GGUF. Matrices are initialised
 * N(0, initStd), the output projections of each block (attn_output, ffn_down) N(0, initStd / sqrt(2 layers))
 * as in GPT-2, norm weights 1; each tensor from its own stream split off {@code seed} in a fixed order.
 */
public final class Params {
    public final Param tokenEmbedding;
    public final Param outputNorm;
    /** The output projection: {@link #tokenEmbedding} itself when tied. */
    public final Param output;
    public final Layer[] layers;
    private final List<Param> all = new ArrayList<>();

    public record Layer(Param attnNorm, Param wq, Param wk, Param wv, Param wo,
                        Param ffnNorm, Param wGate, Param wUp, Param wDown) {}

    public Params(TrainConfig c) {
        int d = c.dim;
        tokenEmbedding = add(new Param("token_embd.weight", c.vocab, d, true));
        outputNorm = add(new Param("output_norm.weight", 1, d, false));
        output = c.tied ? tokenEmbedding : add(new Param("output.weight", c.vocab, d, true));
        layers = new Layer[c.layers];
        for (int l = 0; l < c.layers; l++) {
            String b = "blk." + l + ".";
            layers[l] = new Layer(
                    add(new Param(b + "attn_norm.weight", 1, d, false)),
                    add(new Param(b + "attn_q.weight", c.qDim(), d, true)),
                    add(new Param(b + "attn_k.weight", c.kvDim(), d, true)),
                    add(new Param(b + "attn_v.weight", c.kvDim(), d, true)),
                    add(new Param(b + "attn_output.weight", d, c.qDim(), true)),
                    add(new Param(b + "ffn_norm.weight", 1, d, false)),
                    add(new Param(b + "ffn_gate.weight", c.ffn, d, true)),
                    add(new Param(b + "ffn_up.weight", c.ffn, d, true)),
                    add(new Param(b + "ffn_down.weight", d, c.ffn, true)));
        }
        SplittableRandom root = new SplittableRandom(c.seed);
        double projStd = c.initStd / Math.sqrt(2.0 * c.layers);
        for (Param p : all) {
            SplittableRandom r = root.split();
            if (!p.isMatrix()) {
                Arrays.fill(p.w, 1f);
            } else {
                double std = p.name.endsWith("attn_output.weight") || p.name.endsWith("ffn_down.weight") ? projStd : c.initStd;
                for (int i = 0; i < p.w.length; i++) p.w[i] = (float) (r.nextGaussian() * std);
            }
        }
    }

    private Param add(Param p) {
        all.add(p);
        return p;
    }

    /** Every distinct tensor in a fixed order (the tied output appears once, as the embedding). */
    public List<Param> all() {
        return Collections.unmodifiableList(all);
    }

    public Param byName(String name) {
        for (Param p : all) if (p.name.equals(name)) return p;
        return null;
    }

    public void zeroGrad() {
        for (Param p : all) Arrays.fill(p.g, 0f);
    }

    public long count() {
        long n = 0;
        for (Param p : all) n += p.size();
        return n;
    }
}
