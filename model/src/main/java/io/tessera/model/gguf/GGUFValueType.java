package io.tessera.model.gguf;

/** Metadata value types of the GGUF format, with their ids. */
public enum GGUFValueType {
    UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64;

    static GGUFValueType fromId(int id) {
        GGUFValueType[] all = values();
        return id >= 0 && id < all.length ? all[id] : null;
    }

    int id() {
        return ordinal();
    }

    /** Bytes of one scalar of this type; -1 for STRING and ARRAY. */
    int scalarSize() {
        return switch (this) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case UINT64, INT64, FLOAT64 -> 8;
            case STRING, ARRAY -> -1;
        };
    }
}
