package io.tessera.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The added tokens of tokenizer.json and how Hugging Face finds them in text: all tokens of one kind
 * (matched on the raw input, or with {@code normalized} on the normalized text) at once, leftmost
 * longest, then each match checked for {@code single_word} and widened by {@code lstrip}/{@code rstrip}.
 */
final class AddedVocabulary {
    record Token(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized, boolean special) {}

    final List<Token> tokens = new ArrayList<>();
    final Map<Integer, Token> byId = new HashMap<>();
    final Map<String, Token> byContent = new HashMap<>();
    private final Trie raw = new Trie(), norm = new Trie();

    AddedVocabulary(JsonNode arr, String path) {
        if (arr == null || arr.isNull()) return;
        if (!arr.isArray()) throw Json.error(path, "expected an array");
        for (int i = 0; i < arr.size(); i++) {
            JsonNode t = arr.get(i);
            String p = path + "[" + i + "]";
            if (!t.isObject()) throw Json.error(p, "expected an object");
            int id = Json.integer(t, p, "id", -1);
            if (id < 0) throw Json.error(p + ".id", "missing or negative");
            String content = Json.str(t, p, "content");
            boolean special = Json.bool(t, p, "special", false);
            Token tok = new Token(id, content, Json.bool(t, p, "single_word", false), Json.bool(t, p, "lstrip", false),
                    Json.bool(t, p, "rstrip", false), Json.bool(t, p, "normalized", !special), special);
            tokens.add(tok);
            byId.put(id, tok);
            byContent.put(content, tok);
            if (!content.isEmpty()) (tok.normalized() ? norm : raw).add(content, tok);
        }
    }

    boolean hasNormalized() {
        return !norm.isEmpty();
    }

    boolean hasRaw() {
        return !raw.isEmpty();
    }

    /**
     * Splits {@code text} into events: triples (start, end, token index or -1) covering the text in
     * order; {@code special == false} skips special tokens (they stay text).
     */
    int split(String text, boolean normalized, boolean special, PreTokenizers.IntArr ev) {
        Trie trie = normalized ? norm : raw;
        ev.n = 0;
        int k = 0;
        int startOffset = 0;
        int n = text.length();
        int i = 0;
        while (i < n) {
            if (!trie.mayStart(text.charAt(i))) {
                i++;
                continue;
            }
            Token tok = trie.longest(text, i);
            if (tok == null || (!special && tok.special())) {
                // leftmost-longest considers only the tokens we match; retry with those
                if (tok != null) tok = trie.longestFiltered(text, i, special);
                if (tok == null) {
                    i++;
                    continue;
                }
            }
            int start = i, stop = i + tok.content().length();
            if (tok.singleWord()) {
                boolean startSpace = start == 0 || !isWordChar(text.codePointBefore(start));
                boolean stopSpace = stop == n || !isWordChar(text.codePointAt(stop));
                if (!startSpace || !stopSpace) {
                    i = stop; // the match is consumed, as with Aho-Corasick's non-overlapping iteration
                    continue;
                }
            }
            if (tok.lstrip()) {
                int s = start;
                while (s > 0 && Normalizers.isWhitespace(text.codePointBefore(s))) s -= Character.charCount(text.codePointBefore(s));
                start = Math.max(s, startOffset);
            }
            if (tok.rstrip()) {
                while (stop < n && Normalizers.isWhitespace(text.codePointAt(stop))) stop += Character.charCount(text.codePointAt(stop));
            }
            if (startOffset < start) {
                ev.add3(startOffset, start, -1);
                k++;
            }
            ev.add3(start, stop, tok.id());
            k++;
            startOffset = stop;
            i = stop;
        }
        if (startOffset < n) {
            ev.add3(startOffset, n, -1);
            k++;
        }
        return k;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || Character.getType(cp) == Character.LETTER_NUMBER || Character.getType(cp) == Character.OTHER_NUMBER;
    }

    /** A char trie of token contents. */
    static final class Trie {
        private static final class Node {
            Map<Character, Node> next;
            Token token;
        }

        private final Node root = new Node();
        private final boolean[] first = new boolean[65536];
        private boolean empty = true;

        void add(String s, Token t) {
            Node n = root;
            for (int i = 0; i < s.length(); i++) {
                if (n.next == null) n.next = new HashMap<>(4);
                n = n.next.computeIfAbsent(s.charAt(i), c -> new Node());
            }
            if (n.token == null) n.token = t;
            first[s.charAt(0)] = true;
            empty = false;
        }

        boolean isEmpty() {
            return empty;
        }

        boolean mayStart(char c) {
            return first[c];
        }

        Token longest(String s, int from) {
            return longestFiltered(s, from, true);
        }

        Token longestFiltered(String s, int from, boolean special) {
            Node n = root;
            Token best = null;
            for (int i = from; i < s.length() && n.next != null; i++) {
                n = n.next.get(s.charAt(i));
                if (n == null) break;
                if (n.token != null && (special || !n.token.special())) {
                    // a match may not end inside a surrogate pair
                    if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) best = n.token;
                }
            }
            return best;
        }
    }
}
