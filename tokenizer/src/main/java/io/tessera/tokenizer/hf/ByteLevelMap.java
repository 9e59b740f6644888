package io.tessera.tokenizer.hf;

import io.tessera.tokenizer.ByteLevel;

/** GPT-2's byte-to-char map applied to one code point's UTF-8 bytes. */
final class ByteLevelMap {
    private ByteLevelMap() {}

    private static final String[] ASCII = new String[128];

    static {
        for (int b = 0; b < 128; b++) ASCII[b] = String.valueOf(ByteLevel.byteToChar(b));
    }

    static String encode(int cp) {
        if (cp < 0x80) return ASCII[cp];
        byte[] u = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        char[] c = new char[u.length];
        for (int i = 0; i < u.length; i++) c[i] = ByteLevel.byteToChar(u[i]);
        return new String(c);
    }
}
