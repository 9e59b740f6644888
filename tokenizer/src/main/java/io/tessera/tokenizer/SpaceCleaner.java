package io.tessera.tokenizer;

/**
 * llama.cpp's clean_up_tokenization_spaces, on UTF-8 bytes in place: drops the space before
 * "?", "!", ".", ","; turns " ' " into "'"; drops the space before "'s", "'m", "'re", "'ve".
 */
final class SpaceCleaner {
    private SpaceCleaner() {}

    /** Cleans {@code text[0..n)} in place and returns the new length. */
    static int clean(byte[] text, int n) {
        // pass 1: " ?", " !", " .", " ,"
        int total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
            text[total++] = x;
        }
        // pass 2: a single apostrophe between spaces loses both spaces
        int n2 = total;
        total = n2 > 0 ? 1 : 0;
        for (int i = 1; i < n2; i++) {
            byte x = text[i];
            if (x == '\'' && i + 1 < n2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }
        // pass 3: contractions " 's", " 'm", " 're", " 've" lose the space
        int n3 = total;
        total = n3 > 0 ? 1 : 0;
        for (int i = 1; i < n3; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < n3) {
                byte x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < n3) {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
                }
            }
            text[total++] = x;
        }
        return total;
    }
}
