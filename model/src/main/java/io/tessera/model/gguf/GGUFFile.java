package io.tessera.model.gguf;

import io.tessera.TesseraException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3), memory-mapped with the FFM API so that files of any size load without
 * copying weights to the heap. Metadata is parsed eagerly; tensor data stays in the mapping.
 * Close it to unmap; tensors must not be used afterwards.
 */
public final class GGUFFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int version;
    private final Map<String, GGUFValue> metadata;
    private final Map<String, GGUFTensorInfo> tensors;
    private final int alignment;
    private final long dataOffset;

    private GGUFFile(Path path, Arena arena, MemorySegment segment, int version, Map<String, GGUFValue> metadata,
                     Map<String, GGUFTensorInfo> tensors, int alignment, long dataOffset) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
    }

    /** Maps and parses a GGUF file. Throws {@link TesseraException} naming the file and offset on bad input. */
    public static GGUFFile open(Path path) {
        if (!Files.exists(path)) throw new TesseraException(path + ": no such file");
        if (Files.isDirectory(path)) throw new TesseraException(path + ": is a directory, not a GGUF file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(path, arena, seg);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new TesseraException(path + ": no such file");
        } catch (IOException e) {
            arena.close();
            throw new TesseraException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static GGUFFile parse(Path path, Arena arena, MemorySegment seg) {
        Reader r = new Reader(path, seg);
        int magic = r.i32("magic");
        if (magic != MAGIC) {
            throw new TesseraException(path + ": offset 0: not a GGUF file (magic 0x" + Integer.toHexString(magic) + ", expected \"GGUF\")");
        }
        int version = r.i32("version");
        if (version != 2 && version != 3) {
            throw new TesseraException(path + ": offset 4: unsupported GGUF version " + version + " (supported: 2, 3)");
        }
        long tensorCount = r.count("tensor_count", 8);
        long kvCount = r.count("metadata_kv_count", 12);
        Map<String, GGUFValue> meta = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = r.pos;
            String key = r.string("metadata key #" + i);
            int typeId = r.i32("type of " + key);
            GGUFValueType type = GGUFValueType.fromId(typeId);
            if (type == null) throw r.error(r.pos - 4, "metadata key '" + key + "': unknown value type " + typeId);
            if (meta.containsKey(key)) throw r.error(at, "duplicate metadata key '" + key + "'");
            meta.put(key, r.value(key, type, 0));
        }
        int alignment = DEFAULT_ALIGNMENT;
        GGUFValue al = meta.get("general.alignment");
        if (al != null) {
            long a = al.isArray() || al.type() == GGUFValueType.STRING ? -1 : al.asLong();
            if (a <= 0 || a > (1 << 20) || (a & (a - 1)) != 0) {
                throw new TesseraException(path + ": metadata 'general.alignment' = " + al.display(4) + ": must be a power of two");
            }
            alignment = (int) a;
        }
        record Pending(String name, long[] shape, GGMLType type, long offset, long at) {}
        List<Pending> pending = new java.util.ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            long at = r.pos;
            String name = r.string("tensor #" + i + " name");
            int nDims = r.i32("tensor '" + name + "' n_dims");
            if (nDims < 1 || nDims > 4) throw r.error(r.pos - 4, "tensor '" + name + "': n_dims " + nDims + " outside 1..4");
            long[] shape = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                shape[d] = r.i64("tensor '" + name + "' ne[" + d + "]");
                if (shape[d] <= 0) throw r.error(r.pos - 8, "tensor '" + name + "': dimension " + d + " is " + shape[d]);
            }
            int typeId = r.i32("tensor '" + name + "' type");
            GGMLType type = GGMLType.fromId(typeId);
            if (type == null) throw r.error(r.pos - 4, "tensor '" + name + "': unknown tensor type " + typeId);
            long offset = r.i64("tensor '" + name + "' offset");
            if (shape[0] % type.blockSize != 0) {
                throw r.error(at, "tensor '" + name + "': row length " + shape[0] + " is not a multiple of the " + type + " block size " + type.blockSize);
            }
            pending.add(new Pending(name, shape, type, offset, at));
        }
        long dataOffset = align(r.pos, alignment);
        Map<String, GGUFTensorInfo> tensors = new LinkedHashMap<>();
        for (Pending p : pending) {
            long elements = 1;
            for (long d : p.shape) elements = Math.multiplyExact(elements, d);
            long bytes = p.type.byteSize(elements);
            long start = dataOffset + p.offset;
            if (p.offset < 0 || p.offset % alignment != 0) {
                throw new TesseraException(path + ": offset " + p.at + ": tensor '" + p.name + "': data offset " + p.offset + " is not aligned to " + alignment);
            }
            if (start + bytes > seg.byteSize()) {
                throw new TesseraException(path + ": tensor '" + p.name + "': data [" + start + ", " + (start + bytes)
                        + ") runs past the end of the file (" + seg.byteSize() + " bytes): file truncated?");
            }
            if (tensors.containsKey(p.name)) throw new TesseraException(path + ": offset " + p.at + ": duplicate tensor '" + p.name + "'");
            tensors.put(p.name, new GGUFTensorInfo(p.name, p.shape, p.type, p.offset, seg.asSlice(start, bytes)));
        }
        return new GGUFFile(path, arena, seg, version, Collections.unmodifiableMap(meta),
                Collections.unmodifiableMap(tensors), alignment, dataOffset);
    }

    static long align(long x, int alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    public Path path() { return path; }
    public int version() { return version; }
    public int alignment() { return alignment; }
    public long dataOffset() { return dataOffset; }
    public long fileSize() { return segment.byteSize(); }
    public Map<String, GGUFValue> metadata() { return metadata; }
    public Map<String, GGUFTensorInfo> tensors() { return tensors; }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public GGUFValue get(String key) {
        return metadata.get(key);
    }

    /** The tensor with this name; throws naming the file when it is missing. */
    public GGUFTensorInfo tensor(String name) {
        GGUFTensorInfo t = tensors.get(name);
        if (t == null) throw new TesseraException(path + ": missing tensor '" + name + "'");
        return t;
    }

    public GGUFTensorInfo tensorOrNull(String name) {
        return tensors.get(name);
    }

    private GGUFValue require(String key) {
        GGUFValue v = metadata.get(key);
        if (v == null) throw new TesseraException(path + ": missing metadata key '" + key + "'");
        return v;
    }

    private TesseraException wrongType(String key, GGUFValue v, String expected) {
        return new TesseraException(path + ": metadata '" + key + "': expected " + expected + ", found "
                + (v.isArray() ? "array of " + v.elementType() : v.type()));
    }

    public String getString(String key) {
        GGUFValue v = require(key);
        if (v.type() != GGUFValueType.STRING) throw wrongType(key, v, "a string");
        return (String) v.value();
    }

    public String getString(String key, String fallback) {
        return has(key) ? getString(key) : fallback;
    }

    public long getLong(String key) {
        GGUFValue v = require(key);
        return switch (v.type()) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64, BOOL -> v.asLong();
            default -> throw wrongType(key, v, "an integer");
        };
    }

    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new TesseraException(path + ": metadata '" + key + "' = " + v + ": out of range");
        }
        return (int) v;
    }

    public int getInt(String key, int fallback) {
        return has(key) ? getInt(key) : fallback;
    }

    public boolean getBoolean(String key, boolean fallback) {
        if (!has(key)) return fallback;
        GGUFValue v = require(key);
        if (v.type() != GGUFValueType.BOOL) throw wrongType(key, v, "a bool");
        return (Boolean) v.value();
    }

    public float getFloat(String key) {
        GGUFValue v = require(key);
        return switch (v.type()) {
            case FLOAT32, FLOAT64 -> (float) v.asDouble();
            case ARRAY, STRING -> throw wrongType(key, v, "a number");
            default -> v.asLong();
        };
    }

    public float getFloat(String key, float fallback) {
        return has(key) ? getFloat(key) : fallback;
    }

    public String[] getStringArray(String key) {
        GGUFValue v = require(key);
        if (!v.isArray() || v.elementType() != GGUFValueType.STRING) throw wrongType(key, v, "an array of strings");
        return (String[]) v.value();
    }

    public float[] getFloatArray(String key) {
        GGUFValue v = require(key);
        if (!v.isArray()) throw wrongType(key, v, "an array of numbers");
        return switch (v.value()) {
            case float[] f -> f;
            case double[] d -> { float[] f = new float[d.length]; for (int i = 0; i < d.length; i++) f[i] = (float) d[i]; yield f; }
            default -> { long[] l = integers(key, v); float[] f = new float[l.length]; for (int i = 0; i < l.length; i++) f[i] = l[i]; yield f; }
        };
    }

    public int[] getIntArray(String key) {
        GGUFValue v = require(key);
        if (!v.isArray()) throw wrongType(key, v, "an array of integers");
        long[] l = integers(key, v);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) out[i] = (int) l[i];
        return out;
    }

    private long[] integers(String key, GGUFValue v) {
        Object a = v.value();
        boolean unsigned = switch (v.elementType()) { case UINT8, UINT16, UINT32 -> true; default -> false; };
        return switch (a) {
            case byte[] b -> { long[] l = new long[b.length]; for (int i = 0; i < b.length; i++) l[i] = unsigned ? b[i] & 0xFF : b[i]; yield l; }
            case short[] s -> { long[] l = new long[s.length]; for (int i = 0; i < s.length; i++) l[i] = unsigned ? s[i] & 0xFFFF : s[i]; yield l; }
            case int[] n -> { long[] l = new long[n.length]; for (int i = 0; i < n.length; i++) l[i] = unsigned ? n[i] & 0xFFFFFFFFL : n[i]; yield l; }
            case long[] n -> n;
            case boolean[] z -> { long[] l = new long[z.length]; for (int i = 0; i < z.length; i++) l[i] = z[i] ? 1 : 0; yield l; }
            default -> throw wrongType(key, v, "an array of integers");
        };
    }

    /** Off-heap memory that lives until this file is closed (for weights repacked from it). */
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return arena.allocate(byteSize, byteAlignment);
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Bounds-checked little-endian cursor over the mapping; every error names the file and offset. */
    private static final class Reader {
        final Path path;
        final MemorySegment seg;
        long pos;

        Reader(Path path, MemorySegment seg) {
            this.path = path;
            this.seg = seg;
        }

        TesseraException error(long at, String what) {
            return new TesseraException(path + ": offset " + at + ": " + what);
        }

        void need(long n, String what) {
            if (n < 0 || pos + n > seg.byteSize()) {
                throw error(pos, "file truncated reading " + what + " (" + n + " bytes needed, " + (seg.byteSize() - pos) + " left)");
            }
        }

        int i32(String what) {
            need(4, what);
            int v = seg.get(INT, pos);
            pos += 4;
            return v;
        }

        long i64(String what) {
            need(8, what);
            long v = seg.get(LONG, pos);
            pos += 8;
            return v;
        }

        long count(String what, long at) {
            long n = i64(what);
            if (n < 0 || n > seg.byteSize()) throw error(at, what + " " + Long.toUnsignedString(n) + " is impossible for a file of " + seg.byteSize() + " bytes");
            return n;
        }

        String string(String what) {
            long at = pos;
            long len = i64(what + " length");
            if (len < 0 || len > seg.byteSize() - pos) {
                throw error(at, what + ": string length " + Long.toUnsignedString(len) + " runs past the end of the file");
            }
            byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return new String(b, StandardCharsets.UTF_8);
        }

        GGUFValue value(String key, GGUFValueType type, int depth) {
            if (type == GGUFValueType.ARRAY) {
                if (depth > 8) throw error(pos, "metadata key '" + key + "': arrays nested too deeply");
                int et = i32("array element type of " + key);
                GGUFValueType elem = GGUFValueType.fromId(et);
                if (elem == null) throw error(pos - 4, "metadata key '" + key + "': unknown array element type " + et);
                long at = pos;
                long n = i64("array length of " + key);
                int minSize = elem.scalarSize() > 0 ? elem.scalarSize() : (elem == GGUFValueType.STRING ? 8 : 12);
                if (n < 0 || n > (seg.byteSize() - pos) / minSize || n > Integer.MAX_VALUE - 8) {
                    throw error(at, "metadata key '" + key + "': array length " + Long.toUnsignedString(n) + " runs past the end of the file");
                }
                return new GGUFValue(GGUFValueType.ARRAY, elem, array(key, elem, (int) n, depth));
            }
            return new GGUFValue(type, null, scalar(key, type));
        }

        Object scalar(String key, GGUFValueType type) {
            int size = type.scalarSize();
            if (type == GGUFValueType.STRING) return string("value of " + key);
            need(size, "value of " + key);
            Object v = switch (type) {
                case UINT8, INT8 -> seg.get(ValueLayout.JAVA_BYTE, pos);
                case BOOL -> seg.get(ValueLayout.JAVA_BYTE, pos) != 0;
                case UINT16, INT16 -> seg.get(SHORT, pos);
                case UINT32, INT32 -> seg.get(INT, pos);
                case FLOAT32 -> seg.get(FLOAT, pos);
                case UINT64, INT64 -> seg.get(LONG, pos);
                case FLOAT64 -> seg.get(DOUBLE, pos);
                default -> throw new IllegalStateException();
            };
            pos += size;
            return v;
        }

        Object array(String key, GGUFValueType elem, int n, int depth) {
            switch (elem) {
                case STRING -> {
                    String[] a = new String[n];
                    for (int i = 0; i < n; i++) a[i] = string(key + "[" + i + "]");
                    return a;
                }
                case ARRAY -> {
                    GGUFValue[] a = new GGUFValue[n];
                    for (int i = 0; i < n; i++) a[i] = value(key + "[" + i + "]", GGUFValueType.ARRAY, depth + 1);
                    return a;
                }
                default -> { }
            }
            long bytes = (long) n * elem.scalarSize();
            need(bytes, "array " + key);
            MemorySegment s = seg.asSlice(pos, bytes);
            pos += bytes;
            return switch (elem) {
                case UINT8, INT8 -> s.toArray(ValueLayout.JAVA_BYTE);
                case BOOL -> { byte[] b = s.toArray(ValueLayout.JAVA_BYTE); boolean[] z = new boolean[n]; for (int i = 0; i < n; i++) z[i] = b[i] != 0; yield z; }
                case UINT16, INT16 -> s.toArray(SHORT);
                case UINT32, INT32 -> s.toArray(INT);
                case FLOAT32 -> s.toArray(FLOAT);
                case UINT64, INT64 -> s.toArray(LONG);
                case FLOAT64 -> s.toArray(DOUBLE);
                default -> throw new IllegalStateException();
            };
        }
    }
}
