package io.tessera;

/**
 * The one exception type Tessera's public API throws for bad input: a malformed or truncated file,
 * an unsupported tensor type or architecture, a prompt longer than the context, and so on.
 * The message is a single line naming what is wrong and where (file, offset, key, line).
 */
public class TesseraException extends RuntimeException {
    public TesseraException(String message) {
        super(message);
    }

    public TesseraException(String message, Throwable cause) {
        super(message, cause);
    }
}
