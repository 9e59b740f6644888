package io.tessera.cli;

import io.tessera.model.Model;
import io.tessera.model.gguf.GGUFFile;
import io.tessera.tokenizer.hf.HFTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tessera train --config} and {@code tessera eval} on a tiny byte-level BPE tokenizer and corpus. */
class TrainCliTest {

    /** GPT-2's byte to printable character map. */
    static String byteChar(int b) {
        List<Integer> bs = new ArrayList<>();
        for (int i = '!'; i <= '~'; i++) bs.add(i);
        for (int i = 0xA1; i <= 0xAC; i++) bs.add(i);
        for (int i = 0xAE; i <= 0xFF; i++) bs.add(i);
        int k = bs.indexOf(b);
        if (k >= 0) return String.valueOf((char) b);
        int n = 0;
        for (int i = 0; i < b; i++) if (!bs.contains(i)) n++;
        return String.valueOf((char) (256 + n));
    }

    /** 256 byte tokens, 5 merges, and <|endoftext|> (id 261): a Hugging Face byte-level BPE tokenizer.json. */
    static Path tokenizerJson(Path dir) throws Exception {
        StringBuilder vocab = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            String c = byteChar(b);
            String esc = c.equals("\"") ? "\\\"" : c.equals("\\") ? "\\\\" : c;
            vocab.append('"').append(esc).append("\": ").append(b).append(", ");
        }
        vocab.append("\"\u0120t\": 256, \"he\": 257, \"\u0120the\": 258, \"\u0120a\": 259, \"in\": 260, \"<|endoftext|>\": 261");
        String json = """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [{"id": 261, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
                 "normalizer": null,
                 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
                 "post_processor": null,
                 "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
                 "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null, "end_of_word_suffix": null,
                           "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                           "vocab": {%s},
                           "merges": ["\u0120 t", "h e", "\u0120t he", "\u0120 a", "i n"]}}
                """.formatted(vocab);
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, json, StandardCharsets.UTF_8);
        return p;
    }

    static Path corpus(Path dir) throws Exception {
        String[] subjects = {"the cat", "the dog", "a bird", "the old man", "a child"};
        String[] verbs = {"sat in", "ran to", "looked at", "walked in", "sang in"};
        String[] places = {"the garden.", "the park.", "the house.", "the rain.", "the morning light."};
        StringBuilder sb = new StringBuilder();
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int d = 0; d < 40; d++) {
            if (d > 0) sb.append("<|endoftext|>\n");
            int sentences = 2 + r.nextInt(4);
            for (int s = 0; s < sentences; s++) {
                sb.append(subjects[r.nextInt(5)]).append(' ').append(verbs[r.nextInt(5)]).append(' ').append(places[r.nextInt(5)]).append(' ');
            }
            sb.append('\n');
        }
        Path p = dir.resolve("corpus.txt");
        Files.writeString(p, sb, StandardCharsets.UTF_8);
        return p;
    }

    static String config(String extra) {
        return """
                {"corpus": "corpus.txt", "tokenizer": "tokenizer.json", "checkpoint": "run/model.gguf",
                 "heldOut": 0.1, "steps": 12, "evalEvery": 4, "checkpointEvery": 6, "batch": 4, "threads": 2, "seed": 7,
                 "model": {"dim": 32, "layers": 1, "heads": 2, "kvHeads": 1, "ffn": 64, "seqLen": 32},
                 "optimizer": {"name": "adamw", "lr": 0.01, "warmup": 2, "scheduleSteps": 16}%s}
                """.formatted(extra);
    }

    static Path setup(Path dir, String configJson) throws Exception {
        tokenizerJson(dir);
        corpus(dir);
        Path cfg = dir.resolve("run.json");
        Files.writeString(cfg, configJson);
        return cfg;
    }

    @Test
    void trainWritesCheckpointCurvesAndPlotAndEvalPrintsPerplexity(@TempDir Path dir) throws Exception {
        Path cfg = setup(dir, config(""));
        CliTest.Run r = CliTest.run(null, "train", "--config", cfg.toString());
        assertThat(r.code()).as(r.err()).isZero();
        // plain progress lines (stderr is not a terminal here): step, loss, held-out loss, tokens/s, ETA
        assertThat(r.err()).contains("corpus: 40 documents (4 held out)").contains("model: ").containsPattern("step  5/12 loss \\d+\\.\\d{4} held-out \\d+\\.\\d{4} \\d+ tok/s ETA \\d+:\\d\\d")
                .contains("eval step 12: held-out loss").contains("step 12/12").contains("done: step 12");
        Path run = dir.resolve("run");
        assertThat(run.resolve("model.gguf")).exists();
        assertThat(run.resolve("model.gguf.train")).exists();
        List<String> csv = Files.readAllLines(run.resolve("model.loss.csv"));
        assertThat(csv).hasSize(13).first().isEqualTo("step,train_loss,heldout_loss");
        assertThat(csv.stream().filter(l -> !l.endsWith(",")).count()).isEqualTo(4); // header + steps 4, 8, 12
        BufferedImage png = ImageIO.read(run.resolve("model.loss.png").toFile());
        assertThat(png.getWidth()).isEqualTo(900);
        assertThat(png.getHeight()).isEqualTo(540);
        try (var files = Files.list(run)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("model.gguf", "model.gguf.train", "model.loss.csv", "model.loss.png");
        }

        // the checkpoint carries the converted tokenizer, which tokenizes as the tokenizer.json does
        HFTokenizer hf = HFTokenizer.load(dir.resolve("tokenizer.json"));
        try (Model m = Model.load(run.resolve("model.gguf")); GGUFFile g = GGUFFile.open(run.resolve("model.gguf"))) {
            assertThat(g.getString("tokenizer.ggml.model")).isEqualTo("gpt2");
            assertThat(g.getString("tokenizer.ggml.pre")).isEqualTo("gpt-2");
            String text = "the cat sat in the garden. Then the ináthe";
            assertThat(m.tokenizer().encode(text, false, false)).containsExactly(hf.encode(text, false, false));
            assertThat(m.tokenizer().eos()).isEqualTo(261);
        }

        CliTest.Run e = CliTest.run(null, "eval", "-m", run.resolve("model.gguf").toString(), "--text", dir.resolve("corpus.txt").toString(), "-t", "1");
        assertThat(e.code()).as(e.err()).isZero();
        Matcher mt = Pattern.compile("corpus.txt: (\\d+) tokens, (\\d+\\.\\d+) nats/token, perplexity (\\d+\\.\\d+)\n").matcher(e.out());
        assertThat(mt.matches()).as(e.out()).isTrue();
        double nats = Double.parseDouble(mt.group(2)), ppl = Double.parseDouble(mt.group(3));
        assertThat(Integer.parseInt(mt.group(1))).isGreaterThan(500);
        assertThat(ppl).isCloseTo(Math.exp(nats), org.assertj.core.api.Assertions.within(0.01 * ppl));
        // 12 steps on a repetitive corpus: well under a uniform guess over the 262 tokens
        assertThat(ppl).isLessThan(60);
    }

    @Test
    void resumeContinuesTheRunAndItsCurves(@TempDir Path dir) throws Exception {
        Path cfg = setup(dir, config(""));
        assertThat(CliTest.run(null, "train", "--config", cfg.toString()).code()).isZero();
        // a second start without --resume would overwrite a good checkpoint: refused
        CliTest.Run again = CliTest.run(null, "train", "--config", cfg.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("checkpoint exists; pass --resume");

        Files.writeString(cfg, config("").replace("\"steps\": 12", "\"steps\": 16"));
        CliTest.Run r = CliTest.run(null, "train", "--config", cfg.toString(), "--resume", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("resuming at step 12").contains("step 16/16").doesNotContain("step  1/16");
        List<String> csv = Files.readAllLines(dir.resolve("run/model.loss.csv"));
        assertThat(csv).hasSize(17);
        assertThat(csv.get(16)).startsWith("16,");

        // a changed hyper-parameter is not silently mixed into a resumed run
        Files.writeString(cfg, config("").replace("\"steps\": 12", "\"steps\": 20").replace("\"lr\": 0.01", "\"lr\": 0.02"));
        CliTest.Run bad = CliTest.run(null, "train", "--config", cfg.toString(), "--resume");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("trained with lr = 0.01 but the config says 0.02");
    }

    @Test
    void badConfigsAndCorporaAreOneLineErrorsNamingTheProblem(@TempDir Path dir) throws Exception {
        Path cfg = setup(dir, config(""));
        String base = config("");
        String[][] cases = {
                {base.replace("\"dim\": 32", "\"dimm\": 32"), "run.json: unknown key 'model.dimm' (known: model.dim, "},
                {base.replace("\"steps\": 12", "\"stpes\": 12"), "run.json: unknown key 'stpes'"},
                {base.replace("\"dim\": 32", "\"dim\": 33"), "run.json: dim 33 is not a multiple of heads 2"},
                {base.replace("\"dim\": 32", "\"dim\": 30"), "run.json: head size dim/heads = 15 must be even"},
                {base.replace("\"kvHeads\": 1", "\"kvHeads\": 3"), "run.json: heads 2 is not a multiple of kvHeads 3"},
                {base.replace("\"ffn\": 64", "\"ffn\": 0"), "run.json: ffn must be positive, got 0"},
                {base.replace("\"steps\": 12", "\"steps\": \"many\""), "run.json: key 'steps': expected an integer"},
                {base.replace("\"lr\": 0.01", "\"lr\": \"fast\""), "run.json: key 'optimizer.lr': cannot parse 'fast'"},
                {base.replace("\"name\": \"adamw\"", "\"name\": \"sgd\""), "run.json: optimizer 'sgd' (adamw, ademamix, spam, stable-spam)"},
                {base.replace("\"dim\": 32", "\"dim\": 32, \"vocab\": 100"), "run.json: key 'model.vocab': the vocabulary size comes from the tokenizer"},
                {base.replace("\"heldOut\": 0.1", "\"heldOut\": 1.5"), "run.json: key 'heldOut': must be in [0, 1), got 1.5"},
                {base.replace("\"seqLen\": 32", "\"seqLen\": 32000000"), "run.json: key 'model.seqLen': 32000000 is more than 65536 tokens"},
                {base.replace("\"batch\": 4", "\"batch\": 100000"), "model: this shape needs about"},
                {"{\"corpus\": ", "run.json: not valid JSON"},
                {base.replace("\"corpus\": \"corpus.txt\"", "\"corpus\": \"empty.txt\""), "corpus [" + dir.resolve("empty.txt") + "]: no text"},
                {base.replace("\"corpus\": \"corpus.txt\"", "\"corpus\": \"latin1.txt\""), dir.resolve("latin1.txt") + ": not valid UTF-8 at byte offset 3"},
                {base.replace("\"corpus\": \"corpus.txt\"", "\"corpus\": \"missing.txt\""), dir.resolve("missing.txt") + ": corpus file not found"},
        };
        Files.writeString(dir.resolve("empty.txt"), "\n<|endoftext|>\n  \n");
        Files.write(dir.resolve("latin1.txt"), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
        for (String[] c : cases) {
            Files.writeString(cfg, c[0]);
            CliTest.Run r = CliTest.run(null, "train", "--config", cfg.toString());
            assertThat(r.code()).as(c[1]).isEqualTo(1);
            assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
            assertThat(r.err()).as(c[1]).startsWith("tessera: ").contains(c[1]);
            assertThat(dir.resolve("run")).doesNotExist(); // nothing written
        }
    }

    @Test
    void divergingRunStopsWithAMessageAndKeepsTheLastCheckpointIntact(@TempDir Path dir) throws Exception {
        Path cfg = setup(dir, config("").replace("\"checkpointEvery\": 6", "\"checkpointEvery\": 1")
                .replace("\"lr\": 0.01, \"warmup\": 2", "\"lr\": 1e30, \"warmup\": 0, \"clipNorm\": 0, \"weightDecay\": 0"));
        CliTest.Run r = CliTest.run(null, "train", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(1);
        String last = r.err().lines().reduce((a, b) -> b).orElseThrow();
        assertThat(last).startsWith("tessera: train: step ").contains("training diverged").contains("the last good checkpoint");
        Path ck = dir.resolve("run/model.gguf");
        long step;
        try (GGUFFile g = GGUFFile.open(ck)) {
            step = g.getLong("training.step");
        }
        assertThat(last).contains("(step " + step + ") is kept");
        try (Model m = Model.load(ck)) {
            assertThat(m.config().layers()).isEqualTo(1);
        }
        try (var files = Files.list(dir.resolve("run"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("model.gguf", "model.gguf.train", "model.loss.csv", "model.loss.png"); // no temporary files
        }
        assertThat(Files.readAllLines(dir.resolve("run/model.loss.csv"))).hasSizeGreaterThanOrEqualTo((int) step + 1);
        assertThat(String.format(Locale.ROOT, "%d", step)).isNotEqualTo("0");
    }

    private static final Pattern CORPUS_LINE = Pattern.compile("corpus: (\\d+) documents \\((\\d+) held out\\), (\\d+) training tokens in \\d+ rows of \\d+ \\([^)]*\\), (\\d+) held-out tokens");

    private static long[] corpusLine(CliTest.Run r) {
        Matcher m = CORPUS_LINE.matcher(r.err());
        assertThat(m.find()).as(r.err()).isTrue();
        return new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(4))};
    }

    @Test
    void setOverridesKeysAndWriteTextSplitsAsTrainingDoes(@TempDir Path dir) throws Exception {
        Path cfg = setup(dir, config(""));
        // --set: steps and checkpoint (a relative path, resolved against the config's directory)
        CliTest.Run r = CliTest.run(null, "train", "--config", cfg.toString(), "--set", "steps=2", "--set", "checkpoint=other/m.gguf",
                "--set", "model.dim=16", "--set", "evalTokens=0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("step 2/2").contains("done: step 2").contains("(dim 16,");
        assertThat(dir.resolve("other/m.gguf")).exists();
        assertThat(dir.resolve("run")).doesNotExist();
        long[] full = corpusLine(r);
        assertThat(full[0]).isEqualTo(40);
        assertThat(full[1]).isEqualTo(4);

        CliTest.Run bad = CliTest.run(null, "train", "--config", cfg.toString(), "--set", "model.dimm=3");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("unknown key 'model.dimm'");
        bad = CliTest.run(null, "train", "--config", cfg.toString(), "--set", "steps");
        assertThat(bad.err()).contains("expected KEY=VALUE");

        // --write-text: the training documents and the held-out ones, as training splits them
        CliTest.Run w = CliTest.run(null, "train", "--config", cfg.toString(), "--write-text", dir.resolve("text").toString());
        assertThat(w.code()).as(w.err()).isZero();
        assertThat(w.err()).contains("(36 documents,").contains("(4 documents,");
        assertThat(dir.resolve("run")).doesNotExist(); // nothing trained
        String held = Files.readString(dir.resolve("text/heldout.txt"));
        assertThat(held.split("\n<\\|endoftext\\|>\n", -1)).hasSize(5);
        // read back as text corpora without holding out: the same training tokens and held-out tokens
        CliTest.Run t = CliTest.run(null, "train", "--config", cfg.toString(), "--set", "steps=1", "--set", "heldOut=0",
                "--set", "corpus=text/train.txt", "--set", "checkpoint=t/m.gguf");
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(corpusLine(t)[2]).isEqualTo(full[2]);
        CliTest.Run h = CliTest.run(null, "train", "--config", cfg.toString(), "--set", "steps=1", "--set", "heldOut=0",
                "--set", "corpus=text/heldout.txt", "--set", "checkpoint=h/m.gguf");
        assertThat(h.code()).as(h.err()).isZero();
        assertThat(corpusLine(h)[2]).isEqualTo(full[3]);

        // eval --separator: each document tokenized as training does (EOS at its end); --max-tokens
        CliTest.Run e = CliTest.run(null, "eval", "-m", dir.resolve("other/m.gguf").toString(), "--text", dir.resolve("text/heldout.txt").toString(),
                "--separator", "<|endoftext|>", "-t", "1");
        assertThat(e.code()).as(e.err()).isZero();
        // training counts the predicted slots (each document's tokens but its first); eval scores every token of
        // the concatenated documents but the very first
        assertThat(e.out()).startsWith("heldout.txt: " + (full[3] + 4 - 1) + " tokens, ");
        CliTest.Run e2 = CliTest.run(null, "eval", "-m", dir.resolve("other/m.gguf").toString(), "--text", dir.resolve("text/heldout.txt").toString(),
                "--separator", "<|endoftext|>", "--max-tokens", "10", "-t", "1");
        assertThat(e2.code()).as(e2.err()).isZero();
        assertThat(e2.out()).startsWith("heldout.txt: 10 tokens, ");
    }
}
