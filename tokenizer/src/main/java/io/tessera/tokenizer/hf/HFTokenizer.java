package io.tessera.tokenizer.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.TesseraException;
import io.tessera.tokenizer.Encoding;
import io.tessera.tokenizer.StreamingDetokenizer;
import io.tessera.tokenizer.Tokenizer;
import io.tessera.tokenizer.Unicode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer: added tokens, normalizer, pre-tokenizer, model,
 * post-processor and decoder, each as Hugging Face {@code tokenizers} defines it, giving the same ids.
 * Immutable and thread-safe; {@link #withTruncation} and {@link #withPadding} return configured copies.
 *
 * <pre>{@code
 * HFTokenizer tok = HFTokenizer.load(Path.of("tokenizer.json"));
 * int[] ids = tok.encode("Hello world", false, true);     // Tokenizer interface
 * Encoding e = tok.encoding("Hello world", true);           // ids, tokens, offsets, masks
 * String text = tok.decode(ids);
 * }</pre>
 */
public final class HFTokenizer implements Tokenizer {
    final AddedVocabulary added;
    final Normalizers.Normalizer normalizer;
    final PreTokenizers.PreTokenizer preTokenizer;
    final Models.Model model;
    final PostProcessors.PostProcessor postProcessor;
    final Decoders.Decoder decoder;
    private final Truncation truncation;
    private final Padding padding;
    private final String[] idToToken;
    private final boolean[] special;
    private final int bos, eos;
    private final boolean[] eog;
    private final java.util.Set<String> decoderTypes;
    private final FastByteLevel fast;

    /** Truncation: at most {@code maxLength} tokens; {@code stride} tokens overlap in overflowing parts. */
    public record Truncation(int maxLength, int stride, String strategy, boolean left) {
        public Truncation {
            if (maxLength < 0 || stride < 0) throw new TesseraException("truncation: negative max_length or stride");
            if (!strategy.equals("LongestFirst") && !strategy.equals("OnlyFirst") && !strategy.equals("OnlySecond")) {
                throw new TesseraException("truncation.strategy: unsupported \"" + strategy + "\"");
            }
            if (maxLength > 0 && stride >= maxLength) throw new TesseraException("truncation: stride must be smaller than max_length");
        }
    }

    /** Padding to {@code fixedLength} (0 = the batch's longest), rounded up to {@code multipleOf} (0 = none). */
    public record Padding(int fixedLength, int multipleOf, int padId, int padTypeId, String padToken, boolean left) {}

    private HFTokenizer(AddedVocabulary added, Normalizers.Normalizer normalizer, PreTokenizers.PreTokenizer preTokenizer,
                        Models.Model model, PostProcessors.PostProcessor postProcessor, Decoders.Decoder decoder,
                        Truncation truncation, Padding padding, java.util.Set<String> decoderTypes) {
        this.decoderTypes = decoderTypes;
        this.fast = FastByteLevel.of(normalizer, preTokenizer, model, added);
        this.added = added;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        this.truncation = truncation;
        this.padding = padding;
        int size = model.idToToken.length;
        for (AddedVocabulary.Token t : added.tokens) size = Math.max(size, t.id() + 1);
        idToToken = Arrays.copyOf(model.idToToken, size);
        special = new boolean[size];
        for (AddedVocabulary.Token t : added.tokens) {
            idToToken[t.id()] = t.content();
            special[t.id()] = t.special();
        }
        bindTokenText(postProcessor);
        int b = -1;
        if (postProcessor instanceof PostProcessors.Template tp) {
            for (PostProcessors.Special s : tp.single) {
                if (!s.isSequence()) {
                    b = s.ids()[0];
                    break;
                }
                if (s.isSequence()) break;
            }
        }
        bos = b;
        eog = new boolean[size];
        int e = -1;
        for (String name : new String[] {"</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "[SEP]"}) {
            AddedVocabulary.Token t = added.byContent.get(name);
            if (t != null) {
                eog[t.id()] = true;
                if (e < 0) e = t.id();
            }
        }
        eos = e;
    }

    private void bindTokenText(PostProcessors.PostProcessor p) {
        if (p instanceof PostProcessors.ByteLevelOffsets b) b.tokenText = id -> id >= 0 && id < idToToken.length ? idToToken[id] : null;
        if (p instanceof PostProcessors.SequenceProcessor s) for (PostProcessors.PostProcessor x : s.list) bindTokenText(x);
    }

    // ================================================================ loading

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** Loads a tokenizer.json file. */
    public static HFTokenizer load(Path file) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TesseraException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new TesseraException(file + ": not UTF-8 text", e);
        }
        try {
            return fromJson(json);
        } catch (TesseraException e) {
            throw new TesseraException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the text of a tokenizer.json. */
    public static HFTokenizer fromJson(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            var loc = e.getLocation();
            throw new TesseraException("malformed JSON" + (loc == null ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr())
                    + ": " + msg.replace('\n', ' '));
        }
        return fromJson(root);
    }

    public static HFTokenizer fromJson(JsonNode root) {
        if (root == null || !root.isObject()) throw new TesseraException("$: expected a JSON object");
        AddedVocabulary added = new AddedVocabulary(root.get("added_tokens"), "added_tokens");
        Normalizers.Normalizer norm = Normalizers.parse(root.get("normalizer"), "normalizer");
        PreTokenizers.PreTokenizer pre = PreTokenizers.parse(root.get("pre_tokenizer"), "pre_tokenizer");
        Models.Model model = Models.parse(root.get("model"), "model");
        PostProcessors.PostProcessor post = PostProcessors.parse(root.get("post_processor"), "post_processor");
        Decoders.Decoder dec = Decoders.parse(root.get("decoder"), "decoder");
        java.util.Set<String> types = new java.util.HashSet<>();
        decoderTypes(root.get("decoder"), types);
        return new HFTokenizer(added, norm, pre, model, post, dec, truncation(root.get("truncation")), padding(root.get("padding")), types);
    }

    private static Truncation truncation(JsonNode n) {
        if (n == null || n.isNull()) return null;
        String p = "truncation";
        return new Truncation(Json.integer(n, p, "max_length", 512), Json.integer(n, p, "stride", 0),
                Json.str(n, p, "strategy", "LongestFirst"), "Left".equals(Json.str(n, p, "direction", "Right")));
    }

    private static Padding padding(JsonNode n) {
        if (n == null || n.isNull()) return null;
        String p = "padding";
        int fixed = 0;
        JsonNode st = n.get("strategy");
        if (st != null && st.isObject() && st.has("Fixed")) fixed = Json.integer(st, p + ".strategy", "Fixed", 0);
        else if (st != null && !(st.isTextual() && st.asText().equals("BatchLongest"))) throw Json.error(p + ".strategy", "expected \"BatchLongest\" or {\"Fixed\": n}");
        return new Padding(fixed, Json.integer(n, p, "pad_to_multiple_of", 0), Json.integer(n, p, "pad_id", 0),
                Json.integer(n, p, "pad_type_id", 0), Json.str(n, p, "pad_token", "[PAD]"), "Left".equals(Json.str(n, p, "direction", "Right")));
    }

    /** This tokenizer with the given truncation (null: none). */
    public HFTokenizer withTruncation(Truncation t) {
        return new HFTokenizer(added, normalizer, preTokenizer, model, postProcessor, decoder, t, padding, decoderTypes);
    }

    /** This tokenizer with the given padding (null: none). */
    public HFTokenizer withPadding(Padding p) {
        return new HFTokenizer(added, normalizer, preTokenizer, model, postProcessor, decoder, truncation, p, decoderTypes);
    }

    public Truncation truncation() {
        return truncation;
    }

    public Padding padding() {
        return padding;
    }

    // ================================================================ encoding

    /** Tokens of one input sequence before post-processing. */
    Seq encodeSequence(String text, int typeId, boolean parseSpecial) {
        text = Unicode.wellFormed(text);
        Seq out = new Seq(text.length() / 3 + 8);
        Models.Tokens toks = new Models.Tokens();
        if (!added.hasRaw()) {
            encodeSegment(text, 0, text.length(), typeId, parseSpecial, out, toks);
            return out;
        }
        PreTokenizers.IntArr ev = new PreTokenizers.IntArr();
        int k = added.split(text, false, parseSpecial, ev);
        for (int i = 0; i < k; i++) {
            int s = ev.a[3 * i], e = ev.a[3 * i + 1], id = ev.a[3 * i + 2];
            if (id >= 0) out.add(id, s, e, typeId, 0, 1);
            else encodeSegment(text, s, e, typeId, parseSpecial, out, toks);
        }
        return out;
    }

    private void encodeSegment(String text, int from, int to, int typeId, boolean parseSpecial, Seq out, Models.Tokens toks) {
        if (from >= to) return;
        NormalizedString ns = NormalizedString.of(from == 0 && to == text.length() ? text : text.substring(from, to), from);
        if (normalizer != null) ns = normalizer.normalize(ns);
        if (added.hasNormalized()) {
            PreTokenizers.IntArr ev = new PreTokenizers.IntArr();
            int k = added.split(ns.text, true, parseSpecial, ev);
            int[] a = Arrays.copyOf(ev.a, 3 * k);
            for (int i = 0; i < k; i++) {
                int s = a[3 * i], e = a[3 * i + 1], id = a[3 * i + 2];
                if (id >= 0) out.add(id, ns.origStart(s, e), ns.origEnd(s, e), typeId, 0, 1);
                else preTokenizeAndModel(ns.slice(s, e), from, typeId, out, toks);
            }
        } else {
            preTokenizeAndModel(ns, from, typeId, out, toks);
        }
    }

    private void preTokenizeAndModel(NormalizedString ns, int segStart, int typeId, Seq out, Models.Tokens toks) {
        if (ns.isEmpty()) return;
        List<NormalizedString> splits;
        if (preTokenizer == null) {
            splits = List.of(ns);
        } else {
            splits = new ArrayList<>();
            preTokenizer.apply(List.of(ns), splits, segStart);
        }
        for (NormalizedString w : splits) {
            toks.n = 0;
            model.tokenize(w.text, toks);
            for (int i = 0; i < toks.n; i++) {
                int s = toks.start[i], e = toks.end[i];
                out.add(toks.id[i], w.origStart(s, e), w.origEnd(s, e), typeId, 0, 1);
            }
        }
    }

    private Seq encodeFast(String text, boolean parseSpecial) {
        text = Unicode.wellFormed(text);
        Seq out = new Seq(text.length() / 3 + 8);
        if (!added.hasRaw()) {
            fast.encode(text, out);
            return out;
        }
        PreTokenizers.IntArr ev = new PreTokenizers.IntArr();
        int k = added.split(text, false, parseSpecial, ev);
        for (int i = 0; i < k; i++) {
            int s = ev.a[3 * i], e = ev.a[3 * i + 1], id = ev.a[3 * i + 2];
            if (id >= 0) out.add(id, s, e, 0, 0, 1);
            else fast.encode(text.substring(s, e), out);
        }
        return out;
    }

    /**
     * The words Hugging Face's trainers count for {@code text}: the normalized, pre-tokenized splits
     * (byte-level splits as byte-level characters), in order. Added-token text is left out: it always
     * encodes as its added token, never through the model.
     */
    public void forEachWord(String text, java.util.function.Consumer<String> out) {
        text = Unicode.wellFormed(text);
        if (!added.hasRaw()) {
            wordsOfSegment(text, 0, text.length(), out);
            return;
        }
        PreTokenizers.IntArr ev = new PreTokenizers.IntArr();
        int k = added.split(text, false, true, ev);
        for (int i = 0; i < k; i++) if (ev.a[3 * i + 2] < 0) wordsOfSegment(text, ev.a[3 * i], ev.a[3 * i + 1], out);
    }

    private void wordsOfSegment(String text, int from, int to, java.util.function.Consumer<String> out) {
        if (from >= to) return;
        String seg = from == 0 && to == text.length() ? text : text.substring(from, to);
        if (fast != null) {
            fast.words(seg, out);
            return;
        }
        NormalizedString ns = NormalizedString.of(seg, from);
        if (normalizer != null) ns = normalizer.normalize(ns);
        List<NormalizedString> parts = List.of(ns);
        if (added.hasNormalized()) {
            PreTokenizers.IntArr ev = new PreTokenizers.IntArr();
            int k = added.split(ns.text, true, true, ev);
            parts = new ArrayList<>();
            for (int i = 0; i < k; i++) if (ev.a[3 * i + 2] < 0) parts.add(ns.slice(ev.a[3 * i], ev.a[3 * i + 1]));
        }
        for (NormalizedString p : parts) {
            if (p.isEmpty()) continue;
            if (preTokenizer == null) {
                out.accept(p.text);
                continue;
            }
            List<NormalizedString> splits = new ArrayList<>();
            preTokenizer.apply(List.of(p), splits, from);
            for (NormalizedString w : splits) if (!w.isEmpty()) out.accept(w.text);
        }
    }

    /** Whether ids-only encoding takes the byte-level fast path (for tests). */
    boolean hasFastPath() {
        return fast != null;
    }

    /**
     * Token ids of {@code text} (the {@link Tokenizer} contract): {@code addSpecial} lets the
     * post-processor add its special tokens; {@code parseSpecial = false} treats special-token text as
     * plain text. Truncation and padding are not applied.
     */
    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        Seq seq = fast != null ? encodeFast(text, parseSpecial) : encodeSequence(text, 0, parseSpecial);
        Seq s = postProcessor.process(seq, null, addSpecial);
        return Arrays.copyOf(s.id, s.n);
    }

    /** The full encoding of one input, with this tokenizer's truncation and padding. */
    public Encoding encoding(String text, boolean addSpecial) {
        return encoding(text, null, addSpecial);
    }

    /** The full encoding of an input pair ({@code b} may be null), with truncation and padding. */
    public Encoding encoding(String a, String b, boolean addSpecial) {
        Encoding e = encodeUnpadded(a, b, addSpecial);
        if (padding == null) return e;
        return pad(e, padding.fixedLength() > 0 ? padding.fixedLength() : e.size());
    }

    /** Encodes the inputs in parallel (common fork-join pool); padding to the batch's longest when so configured. */
    public List<Encoding> encodeBatch(List<String> texts, boolean addSpecial) {
        List<ForkJoinTask<Encoding>> tasks = new ArrayList<>(texts.size());
        for (String t : texts) tasks.add(ForkJoinPool.commonPool().submit(() -> encodeUnpadded(t, null, addSpecial)));
        List<Encoding> out = new ArrayList<>(texts.size());
        for (ForkJoinTask<Encoding> t : tasks) out.add(t.join());
        if (padding == null) return out;
        int target = padding.fixedLength();
        if (target == 0) for (Encoding e : out) target = Math.max(target, e.size());
        List<Encoding> padded = new ArrayList<>(out.size());
        for (Encoding e : out) padded.add(pad(e, target));
        return padded;
    }

    private Encoding encodeUnpadded(String a, String b, boolean addSpecial) {
        Seq sa = encodeSequence(a, 0, true);
        Seq sb = b == null ? null : encodeSequence(b, 1, true);
        List<Seq> overflow = new ArrayList<>();
        if (truncation != null) {
            int max = truncation.maxLength() - (addSpecial ? postProcessor.added(sb != null) : 0);
            max = Math.max(0, max);
            if (sb == null) {
                List<Seq> parts = truncate(sa, max, truncation.stride(), truncation.left());
                sa = parts.get(0);
                for (int i = 1; i < parts.size(); i++) overflow.add(postProcessor.process(parts.get(i), null, addSpecial));
            } else {
                int total = sa.n + sb.n;
                int cutA = 0, cutB = 0;
                if (total > max) {
                    int over = total - max;
                    switch (truncation.strategy()) {
                        case "OnlyFirst" -> cutA = Math.min(over, sa.n);
                        case "OnlySecond" -> cutB = Math.min(over, sb.n);
                        default -> {
                            int la = sa.n, lb = sb.n;
                            while (over-- > 0) {
                                if (la >= lb) la--;
                                else lb--;
                            }
                            cutA = sa.n - la;
                            cutB = sb.n - lb;
                        }
                    }
                }
                sa = truncation.left() ? sa.range(cutA, sa.n) : sa.range(0, sa.n - cutA);
                sb = truncation.left() ? sb.range(cutB, sb.n) : sb.range(0, sb.n - cutB);
            }
        }
        Seq s = postProcessor.process(sa, sb, addSpecial);
        List<Encoding> ov = new ArrayList<>();
        for (Seq o : overflow) ov.add(toEncoding(o, List.of()));
        return toEncoding(s, ov);
    }

    /** Hugging Face's Encoding::truncate: the kept part first, then the overflowing windows. */
    private static List<Seq> truncate(Seq s, int max, int stride, boolean left) {
        if (s.n <= max) return List.of(s);
        if (max == 0) return List.of(new Seq(0), s);
        int step = max - stride;
        List<Seq> parts = new ArrayList<>();
        if (!left) {
            for (int start = 0; ; start += step) {
                int stop = Math.min(start + max, s.n);
                parts.add(s.range(start, stop));
                if (stop == s.n) break;
            }
        } else {
            for (int stop = s.n; ; stop -= step) {
                int start = Math.max(stop - max, 0);
                parts.add(s.range(start, stop));
                if (start == 0) break;
            }
        }
        return parts;
    }

    private Encoding toEncoding(Seq s, List<Encoding> overflowing) {
        int n = s.n;
        String[] toks = new String[n];
        for (int i = 0; i < n; i++) toks[i] = piece(s.id[i]);
        return new Encoding(Arrays.copyOf(s.id, n), toks, Arrays.copyOf(s.type, n), Arrays.copyOf(s.start, n), Arrays.copyOf(s.end, n),
                Arrays.copyOf(s.special, n), Arrays.copyOf(s.attention, n), overflowing);
    }

    private Encoding pad(Encoding e, int target) {
        if (padding.multipleOf() > 0 && target % padding.multipleOf() != 0) target += padding.multipleOf() - target % padding.multipleOf();
        if (e.size() >= target) return e;
        int n = e.size(), p = target - n;
        int off = padding.left() ? p : 0, pad0 = padding.left() ? 0 : n;
        int[] ids = new int[target], type = new int[target], st = new int[target], en = new int[target], sp = new int[target], att = new int[target];
        String[] toks = new String[target];
        System.arraycopy(e.ids(), 0, ids, off, n);
        System.arraycopy(e.typeIds(), 0, type, off, n);
        System.arraycopy(e.offsetStarts(), 0, st, off, n);
        System.arraycopy(e.offsetEnds(), 0, en, off, n);
        System.arraycopy(e.specialTokensMask(), 0, sp, off, n);
        System.arraycopy(e.attentionMask(), 0, att, off, n);
        System.arraycopy(e.tokens(), 0, toks, off, n);
        for (int i = pad0; i < pad0 + p; i++) {
            ids[i] = padding.padId();
            type[i] = padding.padTypeId();
            sp[i] = 1;
            att[i] = 0;
            toks[i] = padding.padToken();
        }
        return new Encoding(ids, toks, type, st, en, sp, att, e.overflowing());
    }

    // ================================================================ decoding

    /** Hugging Face's decode: {@code renderSpecial = false} is {@code skip_special_tokens = true}. */
    @Override
    public String decode(int[] ids, boolean renderSpecial) {
        List<String> toks = new ArrayList<>(ids.length);
        for (int id : ids) {
            checkId(id);
            String t = idToToken[id];
            if (t == null) continue;
            if (!renderSpecial && special[id]) continue;
            toks.add(t);
        }
        if (toks.isEmpty()) return "";
        if (decoder == null) return String.join(" ", toks);
        return String.join("", decoder.decode(toks));
    }

    private void checkId(int id) {
        if (id < 0 || id >= idToToken.length) throw new TesseraException("token id " + id + " out of range [0, " + idToToken.length + ")");
    }

    /** The bytes the token contributes in the middle of a text (byte-level and byte-fallback tokens as raw bytes). */
    @Override
    public byte[] tokenBytes(int id) {
        checkId(id);
        String t = idToToken[id];
        if (t == null) return new byte[0];
        if (added.byId.containsKey(id)) return t.getBytes(StandardCharsets.UTF_8);
        if (decoder == null) return (" " + t).getBytes(StandardCharsets.UTF_8);
        if (hasDecoder("ByteLevel")) return Decoders.byteLevelBytes(t);
        int b = Decoders.byteToken(t);
        if (b >= 0 && hasDecoder("ByteFallback")) return new byte[] {(byte) b};
        // decode as the second token after a neutral first one
        List<String> out = decoder.decode(List.of("", t));
        return String.join("", out).getBytes(StandardCharsets.UTF_8);
    }

    private boolean hasDecoder(String type) {
        return decoderTypes.contains(type);
    }

    private static void decoderTypes(JsonNode n, java.util.Set<String> out) {
        if (n == null || n.isNull()) return;
        if (n.has("type")) out.add(n.get("type").asText());
        if (n.has("decoders")) for (JsonNode d : n.get("decoders")) decoderTypes(d, out);
    }

    @Override
    public String piece(int id) {
        checkId(id);
        return idToToken[id];
    }

    @Override
    public int vocabSize() {
        return idToToken.length;
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    @Override
    public boolean isEog(int id) {
        return id >= 0 && id < eog.length && eog[id];
    }

    /** Whether the id is an added token marked special. */
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    /** The id of a token (added or in the model's vocabulary), or -1. */
    public int tokenId(String token) {
        AddedVocabulary.Token t = added.byContent.get(token);
        if (t != null) return t.id();
        return model.tokenToId(token);
    }

    @Override
    public StreamingDetokenizer streamingDetokenizer(boolean renderSpecial) {
        boolean strip = decoderTypes.contains("Metaspace") || decoderTypes.contains("Strip") || decoderTypes.contains("WordPiece");
        return new StreamingDetokenizer(id -> {
            if (!renderSpecial && isSpecial(id)) return new byte[0];
            return tokenBytes(id);
        }, strip, false);
    }
}
