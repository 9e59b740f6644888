package io.tessera.train;

import io.tessera.model.RandomModel;
import io.tessera.model.Model;
import io.tessera.model.Parallel;
import io.tessera.model.Session;
import io.tessera.model.arch.Weights;
import io.tessera.model.gguf.GGMLType;
import io.tessera.model.tensor.WeightTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The trainer's forward pass against inference: the same weights written as an F32 GGUF checkpoint, loaded
 * with {@link Model#load}, (a) run through a plain double-precision llama forward pass written here from the
 * loaded tensors: logits agree within 1e-4; (b) run through Tessera's inference {@link Session} token by token:
 * agree within 2e-2, the inference KV cache and attention rounding to F16 as llama.cpp does (observed
 * differences are a few 1e-3 on logits of magnitude ~3).
 */
class InferenceAgreementTest {

    static TrainConfig config(boolean tied) {
        TrainConfig c = TrainConfig.defaults();
        c.dim = 64;
        c.layers = 2;
        c.heads = 4;
        c.kvHeads = 2;
        c.ffn = 96;
        c.vocab = 300;
        c.seqLen = 16;
        c.batch = 1;
        c.tied = tied;
        c.initStd = 0.15f;
        return c.validate();
    }

    @Test
    void untied(@TempDir Path dir) {
        agree(config(false), dir);
    }

    @Test
    void tied(@TempDir Path dir) {
        agree(config(true), dir);
    }

    private void agree(TrainConfig c, Path dir) {
        Params p = new Params(c);
        SplittableRandom r = new SplittableRandom(11);
        for (Param t : p.all()) if (!t.isMatrix()) for (int i = 0; i < t.size(); i++) t.w[i] = 1f + (float) (0.2 * r.nextGaussian());
        int T = c.seqLen;
        int[] tokens = new int[T], targets = new int[T];
        for (int i = 0; i < T; i++) tokens[i] = r.nextInt(c.vocab);
        float[] logits;
        try (Parallel par = new Parallel(1)) {
            TrainModel m = new TrainModel(c, p, par);
            m.forward(Batch.of(1, T, tokens, targets));
            logits = m.logits().clone();
        }
        Path gguf = dir.resolve("m.gguf");
        Checkpoint.writeModel(gguf, c, p, RandomModel.syntheticVocabulary(c.vocab), GGMLType.F32, 0);
        try (Model model = Model.load(gguf)) {
            assertThat(model.config().vocabSize()).isEqualTo(c.vocab);
            double[][] ref = reference(model, tokens);
            double maxRef = 0;
            for (int t = 0; t < T; t++) {
                for (int j = 0; j < c.vocab; j++) {
                    assertThat((double) logits[t * c.vocab + j]).as("logit %d at %d", j, t).isCloseTo(ref[t][j], org.assertj.core.api.Assertions.within(1e-4));
                    maxRef = Math.max(maxRef, Math.abs(ref[t][j]));
                }
            }
            assertThat(maxRef).as("logits are not trivially small").isGreaterThan(0.5);
            try (Session s = model.newSession(T, 1)) {
                for (int t = 0; t < T; t++) {
                    float[] inf = s.decode(tokens[t]);
                    for (int j = 0; j < c.vocab; j++) {
                        assertThat(logits[t * c.vocab + j]).as("logit %d at %d vs inference", j, t).isCloseTo(inf[j], org.assertj.core.api.Assertions.within(2e-2f));
                    }
                }
            }
        }
    }

    /** A textbook llama forward pass in double over the loaded model's tensors. */
    static double[][] reference(Model model, int[] tokens) {
        var c = model.config();
        Weights w = model.transformer().weights();
        int T = tokens.length, d = c.dim(), hd = c.headDim(), H = c.heads(), KH = c.kvHeads(), F = c.ffnDim(), V = c.vocabSize();
        double eps = c.rmsEps();
        double[][] x = new double[T][];
        for (int t = 0; t < T; t++) x[t] = row(w.tokenEmbedding, tokens[t]);
        for (var L : w.layers) {
            double[][] q = new double[T][], k = new double[T][], v = new double[T][];
            for (int t = 0; t < T; t++) {
                double[] xn = norm(x[t], L.attnNorm(), eps);
                q[t] = rope(mul(L.wq(), xn), H, hd, t, c.ropeTheta());
                k[t] = rope(mul(L.wk(), xn), KH, hd, t, c.ropeTheta());
                v[t] = mul(L.wv(), xn);
            }
            for (int t = 0; t < T; t++) {
                double[] att = new double[H * hd];
                for (int h = 0; h < H; h++) {
                    int kh = h / (H / KH);
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= t; j++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) dot += q[t][h * hd + i] * k[j][kh * hd + i];
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= t; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j <= t; j++) for (int i = 0; i < hd; i++) att[h * hd + i] += s[j] / sum * v[j][kh * hd + i];
                }
                double[] o = mul(L.wo(), att);
                for (int i = 0; i < d; i++) x[t][i] += o[i];
                double[] xn = norm(x[t], L.ffnNorm(), eps);
                double[] g = mul(L.wGate(), xn), u = mul(L.wUp(), xn), h = new double[F];
                for (int i = 0; i < F; i++) h[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
                double[] down = mul(L.wDown(), h);
                for (int i = 0; i < d; i++) x[t][i] += down[i];
            }
        }
        double[][] out = new double[T][];
        for (int t = 0; t < T; t++) out[t] = mul(w.output, norm(x[t], w.outputNorm, eps));
        assertThat(out[0].length).isEqualTo(V);
        return out;
    }

    static double[] row(WeightTensor m, int r) {
        float[] f = new float[m.cols()];
        m.dequantizeRow(r, f, 0);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static double[] mul(WeightTensor m, double[] x) {
        double[] y = new double[m.rows()];
        for (int o = 0; o < m.rows(); o++) {
            double[] wr = row(m, o);
            double s = 0;
            for (int i = 0; i < x.length; i++) s += wr[i] * x[i];
            y[o] = s;
        }
        return y;
    }

    static double[] norm(double[] x, float[] w, double eps) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double r = 1 / Math.sqrt(ss / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * r * w[i];
        return y;
    }

    static double[] rope(double[] x, int heads, int hd, int pos, double theta) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                double a = pos * Math.pow(theta, -2.0 * i / hd);
                int o = h * hd + 2 * i;
                double x0 = x[o], x1 = x[o + 1];
                x[o] = x0 * Math.cos(a) - x1 * Math.sin(a);
                x[o + 1] = x0 * Math.sin(a) + x1 * Math.cos(a);
            }
        }
        return x;
    }
}
