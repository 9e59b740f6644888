package io.tessera.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tessera.TesseraException;
import io.tessera.model.Model;
import io.tessera.model.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "logits", description = "Print the K highest next-token logits after the prompt as JSON.")
final class LogitsCommand implements Callable<Integer> {
    @Mixin ModelOptions opts;
    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "PROMPT") String prompt;
    @Option(names = "--top", paramLabel = "K", description = "how many (default ${DEFAULT-VALUE})") int top = 20;

    @Override
    public Integer call() throws Exception {
        opts.check();
        if (top < 1) throw new IllegalArgumentException("--top must be at least 1, got " + top);
        try (Model model = Model.load(opts.modelPath());
             Session session = model.newSession(opts.ctx, opts.threads)) {
            int[] tokens = model.tokenizer().encode(prompt, true, true);
            if (tokens.length == 0) throw new TesseraException("the prompt is empty and the model adds no BOS token");
            float[] logits = session.prefill(tokens);
            Integer[] order = new Integer[logits.length];
            for (int i = 0; i < order.length; i++) order[i] = i;
            java.util.Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
            ObjectMapper json = new ObjectMapper();
            ArrayNode arr = json.createArrayNode();
            for (int i = 0; i < Math.min(top, order.length); i++) {
                arr.addObject().put("token", order[i]).put("logit", logits[order[i]]);
            }
            Main.OUT.println(json.writeValueAsString(arr));
        }
        return 0;
    }
}
