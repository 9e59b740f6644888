package io.tessera.cli;

import io.tessera.TesseraException;
import io.tessera.generate.spec.DraftTree;
import io.tessera.generate.spec.Speculation;
import io.tessera.model.Model;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** Speculative decoding options of {@code generate} and {@code bench spec}. */
final class SpecOptions {
    @Option(names = "--spec", paramLabel = "MODE",
            description = "speculative decoding: draft, multi-draft, tree, lookup, recycle or self (default: off)")
    String mode;

    @Option(names = "--draft", paramLabel = "DRAFT",
            description = "draft model for --spec draft/multi-draft/tree (default with the default model: its draft sibling)")
    Path draft;

    @Option(names = "--draft-length", paramLabel = "N", description = "most tokens drafted per chain (default ${DEFAULT-VALUE})")
    int draftLength = 8;

    @Option(names = "--drafts", paramLabel = "K", description = "chains of --spec multi-draft (default ${DEFAULT-VALUE})")
    int drafts = 3;

    @Option(names = "--selection", paramLabel = "RULE",
            description = "multi-draft selection: recursive, spectr or importance (default ${DEFAULT-VALUE})")
    String selection = "recursive";

    @Option(names = "--tree-budget", paramLabel = "N", description = "draft tree nodes of --spec tree (default ${DEFAULT-VALUE})")
    int treeBudget = 12;

    @Option(names = "--self-layers", paramLabel = "L,L,...", split = ",",
            description = "target layers the self draft runs (default: the first half and the last)")
    int[] selfLayers;

    @Option(names = "--draft-stop", paramLabel = "P",
            description = "stop a draft chain when the draft's top token is below this probability (default ${DEFAULT-VALUE})")
    double stopBelow = 0.0;

    /** The draft model the mode needs, or null. */
    Model loadDraft(ModelOptions opts) {
        if (mode == null) {
            if (draft != null) throw new TesseraException("--draft is used by --spec draft, multi-draft or tree: add --spec");
            return null;
        }
        Speculation.Mode m = Speculation.Mode.parse(mode);
        if (!m.needsDraft) {
            if (draft != null) throw new TesseraException("--spec " + m.flag + " drafts without a model: drop --draft");
            return null;
        }
        return loadDraft(m, opts);
    }

    /** The draft model for mode {@code m}: --draft, or with the default model its draft sibling. */
    Model loadDraft(Speculation.Mode m, ModelOptions opts) {
        Path path = draft;
        if (path == null && opts.isDefaultModel()) {
            path = ModelOptions.defaultModel("tessera-draft.gguf");
            if (!Files.exists(path)) throw new TesseraException("--spec " + m.flag + ": no default draft model at " + path + ": add --draft FILE");
        }
        if (path == null) throw new TesseraException("--spec " + m.flag + " needs a draft model: add --draft FILE");
        return Model.load(path);
    }

    /** The speculation settings, or null without --spec. */
    Speculation speculation(Model draftModel) {
        return mode == null ? null : speculation(Speculation.Mode.parse(mode), drafts, draftModel);
    }

    /** The settings of these options for mode {@code m} with {@code drafts} chains (multi-draft). */
    Speculation speculation(Speculation.Mode m, int drafts, Model draftModel) {
        if (draftLength < 1) throw new TesseraException("--draft-length must be at least 1, got " + draftLength);
        if (drafts < 1) throw new TesseraException("--drafts must be at least 1, got " + drafts);
        if (treeBudget < 1) throw new TesseraException("--tree-budget must be at least 1, got " + treeBudget);
        if (!(stopBelow >= 0 && stopBelow < 1)) throw new TesseraException("--draft-stop must be in [0, 1), got " + stopBelow);
        DraftTree.Selection rule;
        try {
            rule = DraftTree.Selection.valueOf(selection.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new TesseraException("--selection: unknown rule '" + selection + "' (expected recursive, spectr or importance)");
        }
        Speculation s = Speculation.of(m).draft(draftModel).draftLength(draftLength).drafts(drafts)
                .selection(rule).treeBudget(treeBudget).stopBelow(stopBelow);
        if (selfLayers != null) s.selfLayers(selfLayers);
        return s;
    }

    @Override
    public String toString() {
        return mode + (selfLayers != null ? " " + Arrays.toString(selfLayers) : "");
    }
}
