package io.tessera.tokenizer.hf;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The fast paths give exactly what the general ones give. */
class FastPathTest {

    static List<String> pieces(HfPattern p, String s) {
        HfPattern.IntBuf b = new HfPattern.IntBuf();
        int k = p.find(s, b);
        String[] out = new String[k];
        for (int i = 0; i < k; i++) out[i] = s.substring(b.a[2 * i], b.a[2 * i + 1]);
        return Arrays.asList(out);
    }

    static List<String> regexPieces(Pattern p, String s) {
        Matcher m = p.matcher(s);
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        while (m.find()) out.add(m.group());
        return out;
    }

    @Test
    void scannersMatchTheRegexOnEveryCorpusLine() throws Exception {
        for (String re : List.of(Scanners.CL100K, Scanners.QWEN, Scanners.O200K)) {
            HfPattern scanner = Scanners.forRegex(re);
            Pattern regex = Pattern.compile(HfPattern.translate(re), Pattern.UNICODE_CHARACTER_CLASS);
            int bad = 0;
            for (String corpus : List.of("adversarial", "multilingual", "code")) {
                for (String line : SharedData.corpus(corpus)) {
                    if (!pieces(scanner, line).equals(regexPieces(regex, line))) {
                        if (bad++ < 3) System.out.println("differs: " + SharedData.escape(line));
                    }
                }
            }
            String tricky = "I'LL ſ 's 'S 'ſ 12345 \u00A0\u00A0x  \n\n  \r\n a\u0085b \uFEFF \uD835\uDC00\uD835\uDFCE!! ?\r\n/ ABCdef DEF\u0301g \u02B0\u0301A ǅx !!\u0301 \u0301abc 1234///\n/ x'S'll";
            assertThat(pieces(scanner, tricky)).isEqualTo(regexPieces(regex, tricky));
            assertThat(bad).isZero();
        }
    }

    @Test
    void fastIdsEqualTheFullPipeline() throws Exception {
        for (String name : List.of("llama3", "qwen3", "gpt4o", "llama2", "gemma3")) {
            HFTokenizer tok = ReferenceIdsTest.hf(name).withTruncation(null).withPadding(null);
            int bad = 0;
            for (String corpus : List.of("adversarial", "multilingual")) {
                List<String> lines = SharedData.corpus(corpus);
                for (String line : lines.subList(0, Math.min(800, lines.size()))) {
                    if (!Arrays.equals(tok.encode(line, false, true), tok.encoding(line, false).ids())) bad++;
                }
            }
            assertThat(bad).as(name).isZero();
        }
    }
}
