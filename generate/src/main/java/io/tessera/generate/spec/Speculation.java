package io.tessera.generate.spec;

import io.tessera.TesseraException;
import io.tessera.generate.SamplerConfig;
import io.tessera.model.Model;
import io.tessera.model.Session;
import io.tessera.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which speculative decoding mode a {@link io.tessera.generate.Generator} uses, with its settings. Every mode
 * leaves the output distribution unchanged (greedy output token for token).
 *
 * <pre>{@code
 * new Generator(target).speculation(Speculation.of(Speculation.Mode.DRAFT).draft(draftModel)).generate(prompt, System.out::print);
 * }</pre>
 */
public final class Speculation {

    public enum Mode {
        /** A draft model drafts a chain; its length adapts to the acceptance rate. */
        DRAFT("draft", true),
        /** A draft model drafts k chains; the target selects among their first tokens. */
        MULTI_DRAFT("multi-draft", true),
        /** A draft model grows a token tree where it is confident (DySpec). */
        TREE("tree", true),
        /** n-gram lookup in the prompt and output so far. */
        LOOKUP("lookup", false),
        /** Token Recycling: an adjacency matrix of the target's earlier candidate tokens. */
        RECYCLE("recycle", false),
        /** The target's own layers, some skipped, draft (self-speculation). */
        SELF("self", false);

        public final String flag;
        public final boolean needsDraft;

        Mode(String flag, boolean needsDraft) {
            this.flag = flag;
            this.needsDraft = needsDraft;
        }

        public static Mode parse(String s) {
            for (Mode m : values()) if (m.flag.equals(s.toLowerCase(Locale.ROOT))) return m;
            throw new TesseraException("unknown speculation mode '" + s + "' (expected one of "
                    + String.join(", ", Arrays.stream(values()).map(m -> m.flag).toList()) + ")");
        }
    }

    private final Mode mode;
    private Model draft;
    private int draftLength = 8;
    private int drafts = 3;
    private DraftTree.Selection selection = DraftTree.Selection.RECURSIVE;
    private int treeBudget = 12;
    private int[] selfLayers;
    private double stopBelow = 0.0;
    private int ngram = 3;

    private Speculation(Mode mode) {
        this.mode = mode;
    }

    public static Speculation of(Mode mode) {
        return new Speculation(mode);
    }

    public Mode mode() { return mode; }

    /** The draft model (modes draft, multi-draft, tree); its vocabulary must be the target's. */
    public Speculation draft(Model model) { this.draft = model; return this; }
    /** Most tokens drafted per step along one chain (draft: the adaptive length's ceiling; multi-draft: each chain). */
    public Speculation draftLength(int n) { this.draftLength = n; return this; }
    /** Chains of the multi-draft mode. */
    public Speculation drafts(int k) { this.drafts = k; return this; }
    /** How the target selects among the multi-draft chains' first tokens. */
    public Speculation selection(DraftTree.Selection rule) { this.selection = rule; return this; }
    /** Nodes of the tree mode's draft tree. */
    public Speculation treeBudget(int n) { this.treeBudget = n; return this; }
    /** The target layers the self mode drafts with (ascending); default: the first half and the last layer. */
    public Speculation selfLayers(int... layers) { this.selfLayers = layers.clone(); return this; }
    /** Stop drafting a chain when the draft's most likely token has less than this probability (draft, self). */
    public Speculation stopBelow(double p) { this.stopBelow = p; return this; }
    /** Longest n-gram the lookup mode matches. */
    public Speculation ngram(int n) { this.ngram = n; return this; }

    /** The default self-draft layers of an L-layer model: the first half and the last layer. */
    public static int[] defaultSelfLayers(int layers) {
        int half = Math.max(1, layers / 2);
        int[] keep = new int[Math.min(layers, half + 1)];
        for (int i = 0; i < half; i++) keep[i] = i;
        if (keep.length > half) keep[half] = layers - 1;
        return keep;
    }

    /** A drafter of this mode for {@code target}, or a clear error when a setting does not fit. */
    public Drafter newDrafter(Session targetSession, SamplerConfig config) {
        Model target = targetSession.model();
        if (mode.needsDraft) {
            if (draft == null) {
                throw new TesseraException("--spec " + mode.flag + " needs a draft model: add --draft FILE");
            }
            checkSameVocabulary(target, draft);
        }
        return switch (mode) {
            case DRAFT -> new ModelDrafter(draft, targetSession, config, draftLength, stopBelow);
            case MULTI_DRAFT -> new MultiDrafter(draft, targetSession, config, drafts, draftLength, selection);
            case TREE -> new TreeDrafter(draft, targetSession, config, treeBudget, 4, 4, 0.05);
            case LOOKUP -> new LookupDrafter(ngram, draftLength, 1);
            case RECYCLE -> new RecycleDrafter(target.config().vocabSize());
            case SELF -> new ModelDrafter(target.withLayers(selfLayers != null ? selfLayers : defaultSelfLayers(target.config().layers())),
                    targetSession, config, draftLength, stopBelow);
        };
    }

    /** Refuses a draft whose tokens differ from the target's: verification compares token ids. */
    static void checkSameVocabulary(Model target, Model draft) {
        Tokenizer a = target.tokenizer(), b = draft.tokenizer();
        if (a.vocabSize() != b.vocabSize()) {
            throw new TesseraException(draft.path() + ": the draft's vocabulary has " + b.vocabSize() + " tokens but the target's ("
                    + target.path() + ") has " + a.vocabSize() + "; speculative decoding needs the same tokenizer");
        }
        for (int id = 0; id < a.vocabSize(); id++) {
            if (!Arrays.equals(a.tokenBytes(id), b.tokenBytes(id))) {
                throw new TesseraException(draft.path() + ": token " + id + " differs from the target's (" + target.path()
                        + "); speculative decoding needs the same tokenizer");
            }
        }
    }
}
