package io.tessera.model.arch;

import io.tessera.model.Model;
import io.tessera.model.RandomModel;
import io.tessera.model.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A token tree verified in one batched pass (tree attention mask) gives every node bit for bit the logits of
 * decoding its root-to-node path one token at a time, and committing a path leaves the cache as if that path
 * had been decoded.
 */
class TokenTreeTest {

    @ParameterizedTest
    @CsvSource({"llama, Q4_0, 2", "llama, F32, 1", "llama, F16, 2", "qwen3, Q4_K_M, 2", "qwen2, Q8_0, 2"})
    void everyNodeMatchesSequentialDecoding(String arch, String type, int threads, @TempDir Path dir) {
        Path gguf = dir.resolve("m.gguf");
        RandomModel.write(RandomModel.shape(arch, "test"), type, 11, null, gguf);
        SplittableRandom random = new SplittableRandom(3);
        int[] prompt = random.ints(21, 0, 512).toArray();
        // 45 nodes (two batches of the model): a random tree, each node's parent an earlier node or -1
        int n = Transformer.BATCH + 13;
        int[] tokens = random.ints(n, 0, 512).toArray();
        int[] parents = new int[n];
        for (int i = 0; i < n; i++) parents[i] = i == 0 ? -1 : random.nextInt(-1, i);
        try (Model m = Model.load(gguf); Session tree = m.newSession(160, threads)) {
            tree.prefill(prompt);
            // grown in two calls, the second hanging under nodes of the first
            float[][] first = tree.extendTree(java.util.Arrays.copyOf(tokens, 30), java.util.Arrays.copyOf(parents, 30));
            float[][] second = tree.extendTree(java.util.Arrays.copyOfRange(tokens, 30, n), java.util.Arrays.copyOfRange(parents, 30, n));
            assertThat(tree.treeSize()).isEqualTo(n);
            for (int node = 0; node < n; node++) {
                float[] got = node < 30 ? first[node] : second[node - 30];
                assertThat(got).as("node %d", node).containsExactly(sequential(m, prompt, path(parents, tokens, node)));
            }

            int deepest = 0;
            for (int i = 0; i < n; i++) if (path(parents, tokens, i).length > path(parents, tokens, deepest).length) deepest = i;
            int[] nodes = nodePath(parents, deepest);
            tree.commitPath(nodes);
            assertThat(tree.position()).isEqualTo(prompt.length + nodes.length);
            assertThat(tree.treeSize()).isZero();
            try (Session plain = m.newSession(160, threads)) {
                plain.prefill(prompt);
                for (int t : path(parents, tokens, deepest)) plain.decode(t);
                assertThat(tree.decode(5)).containsExactly(plain.decode(5));
                assertThat(tree.decode(9)).containsExactly(plain.decode(9));
            }
        }
    }

    @Test
    void rejectsBadTrees(@TempDir Path dir) {
        Path gguf = dir.resolve("m.gguf");
        RandomModel.write(RandomModel.shape("llama", "test"), "F32", 1, null, gguf);
        try (Model m = Model.load(gguf); Session s = m.newSession(16, 1)) {
            s.prefill(new int[]{1, 2, 3});
            assertThatThrownBy(() -> s.extendTree(new int[]{4, 5}, new int[]{-1, 1})).hasMessageContaining("parent 1");
            assertThatThrownBy(() -> s.extendTree(new int[]{1 << 20}, new int[]{-1})).hasMessageContaining("outside the vocabulary");
            s.extendTree(new int[]{4, 5, 6}, new int[]{-1, 0, -1});
            assertThatThrownBy(() -> s.commitPath(new int[]{0, 2})).hasMessageContaining("does not continue the path");
            assertThatThrownBy(() -> s.extendTree(new int[20], new int[20])).hasMessageContaining("context full");
        }
    }

    private static float[] sequential(Model m, int[] prompt, int[] path) {
        try (Session s = m.newSession(160, 1)) {
            s.prefill(prompt);
            float[] logits = null;
            for (int t : path) logits = s.decode(t);
            return logits.clone();
        }
    }

    private static int[] nodePath(int[] parents, int node) {
        List<Integer> p = new ArrayList<>();
        for (int i = node; i >= 0; i = parents[i]) p.add(0, i);
        return p.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] path(int[] parents, int[] tokens, int node) {
        return java.util.Arrays.stream(nodePath(parents, node)).map(i -> tokens[i]).toArray();
    }
}
