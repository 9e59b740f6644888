package io.tessera.model.gguf;

/**
 * One metadata value. Scalars are boxed ({@code Byte} for (U)INT8, {@code Short}, {@code Integer},
 * {@code Long}, {@code Float}, {@code Double}, {@code Boolean}, {@code String}); arrays of scalars are
 * primitive arrays ({@code byte[]}, {@code short[]}, {@code int[]}, {@code long[]}, {@code float[]},
 * {@code double[]}, {@code boolean[]}, {@code String[]}) and nested arrays are {@code GGUFValue[]}.
 * Unsigned types keep their bits: read them with {@link #asLong()}.
 */
public record GGUFValue(GGUFValueType type, GGUFValueType elementType, Object value) {

    public static GGUFValue of(String s) { return new GGUFValue(GGUFValueType.STRING, null, s); }
    public static GGUFValue of(int v) { return new GGUFValue(GGUFValueType.INT32, null, v); }
    public static GGUFValue ofUInt32(int v) { return new GGUFValue(GGUFValueType.UINT32, null, v); }
    public static GGUFValue of(long v) { return new GGUFValue(GGUFValueType.UINT64, null, v); }
    public static GGUFValue of(float v) { return new GGUFValue(GGUFValueType.FLOAT32, null, v); }
    public static GGUFValue of(boolean v) { return new GGUFValue(GGUFValueType.BOOL, null, v); }
    public static GGUFValue of(String[] v) { return new GGUFValue(GGUFValueType.ARRAY, GGUFValueType.STRING, v); }
    public static GGUFValue of(float[] v) { return new GGUFValue(GGUFValueType.ARRAY, GGUFValueType.FLOAT32, v); }
    public static GGUFValue of(int[] v) { return new GGUFValue(GGUFValueType.ARRAY, GGUFValueType.INT32, v); }
    public static GGUFValue of(double[] v) { return new GGUFValue(GGUFValueType.ARRAY, GGUFValueType.FLOAT64, v); }

    public boolean isArray() {
        return type == GGUFValueType.ARRAY;
    }

    /** Integer value of a scalar of any integer type, unsigned types read as unsigned. */
    public long asLong() {
        return switch (type) {
            case UINT8 -> ((Byte) value) & 0xFFL;
            case INT8 -> (Byte) value;
            case UINT16 -> ((Short) value) & 0xFFFFL;
            case INT16 -> (Short) value;
            case UINT32 -> ((Integer) value) & 0xFFFFFFFFL;
            case INT32 -> (Integer) value;
            case UINT64, INT64 -> (Long) value;
            case BOOL -> ((Boolean) value) ? 1 : 0;
            default -> throw new IllegalStateException("not an integer: " + type);
        };
    }

    public double asDouble() {
        return switch (type) {
            case FLOAT32 -> (Float) value;
            case FLOAT64 -> (Double) value;
            default -> asLong();
        };
    }

    public int arrayLength() {
        if (!isArray()) throw new IllegalStateException("not an array: " + type);
        return java.lang.reflect.Array.getLength(value);
    }

    /** Short human-readable form used by {@code tessera inspect}. */
    public String display(int maxElements) {
        if (!isArray()) {
            return switch (type) {
                case STRING -> quote((String) value);
                case FLOAT32, FLOAT64 -> String.valueOf(value);
                default -> String.valueOf(asLong());
            };
        }
        int n = arrayLength();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, maxElements); i++) {
            if (i > 0) sb.append(", ");
            Object e = java.lang.reflect.Array.get(value, i);
            if (e instanceof String s) sb.append(quote(s));
            else if (e instanceof GGUFValue v) sb.append(v.display(maxElements));
            else if (e instanceof Byte b && elementType == GGUFValueType.UINT8) sb.append(b & 0xFF);
            else if (e instanceof Short s && elementType == GGUFValueType.UINT16) sb.append(s & 0xFFFF);
            else if (e instanceof Integer i2 && elementType == GGUFValueType.UINT32) sb.append(i2 & 0xFFFFFFFFL);
            else sb.append(e);
        }
        if (n > maxElements) sb.append(", ... (").append(n).append(" ").append(elementType).append(")");
        return sb.append("]").toString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        int max = 80;
        for (int i = 0; i < s.length() && i < max; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        if (s.length() > max) sb.append("...");
        return sb.append('"').toString();
    }
}
