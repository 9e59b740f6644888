package io.tessera.model.gguf;

import io.tessera.TesseraException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files. Tensor data is given as raw bytes already in the tensor's type layout.
 * The file is written to a temporary sibling and renamed into place, so a failure never leaves a
 * half-written GGUF behind.
 */
public final class GGUFWriter {
    private final Map<String, GGUFValue> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private int alignment = GGUFFile.DEFAULT_ALIGNMENT;

    private record Tensor(String name, long[] shape, GGMLType type, MemorySegment data) {}

    public GGUFWriter put(String key, GGUFValue value) {
        metadata.put(key, value);
        if (key.equals("general.alignment")) alignment = (int) value.asLong();
        return this;
    }

    public GGUFWriter put(String key, String value) { return put(key, GGUFValue.of(value)); }
    public GGUFWriter put(String key, int value) { return put(key, GGUFValue.ofUInt32(value)); }
    public GGUFWriter put(String key, float value) { return put(key, GGUFValue.of(value)); }
    public GGUFWriter put(String key, boolean value) { return put(key, GGUFValue.of(value)); }

    /** Copies every metadata entry of another file (a tensor-preserving rewrite starts here). */
    public GGUFWriter putAll(Map<String, GGUFValue> values) {
        values.forEach(this::put);
        return this;
    }

    /** Adds a tensor; {@code shape[0]} is the row length. {@code data} must hold exactly the type's byte size. */
    public GGUFWriter addTensor(String name, GGMLType type, long[] shape, MemorySegment data) {
        long n = 1;
        for (long d : shape) n *= d;
        if (shape[0] % type.blockSize != 0) throw new IllegalArgumentException(name + ": row length not a multiple of " + type.blockSize);
        if (data.byteSize() != type.byteSize(n)) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes given, " + type.byteSize(n) + " expected for " + type);
        }
        tensors.add(new Tensor(name, shape.clone(), type, data));
        return this;
    }

    public GGUFWriter addTensor(String name, GGMLType type, long[] shape, byte[] data) {
        return addTensor(name, type, shape, MemorySegment.ofArray(data));
    }

    /** Adds an F32 tensor from floats. */
    public GGUFWriter addTensor(String name, long[] shape, float[] values) {
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, values[i]);
        return addTensor(name, GGMLType.F32, shape, seg);
    }

    public void write(Path path) {
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            if (dir != null) Files.createDirectories(dir);
            // not createTempFile: its 0600 mode would stick to the renamed file
            tmp = dir.resolve("." + path.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE), 1 << 20)) {
                writeTo(out);
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TesseraException(path + ": cannot write GGUF: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
            }
        }
    }

    private void writeTo(OutputStream raw) throws IOException {
        Counting out = new Counting(raw);
        out.i32(GGUFFile.MAGIC);
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (var e : metadata.entrySet()) {
            out.str(e.getKey());
            out.i32(e.getValue().type().id());
            value(out, e.getValue());
        }
        long offset = 0;
        long[] offsets = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            offsets[i] = offset;
            offset = GGUFFile.align(offset + t.data.byteSize(), alignment);
        }
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            out.str(t.name);
            out.i32(t.shape.length);
            for (long d : t.shape) out.i64(d);
            out.i32(t.type.id);
            out.i64(offsets[i]);
        }
        out.pad(alignment);
        byte[] buf = new byte[1 << 16];
        for (Tensor t : tensors) {
            long n = t.data.byteSize();
            for (long p = 0; p < n; p += buf.length) {
                int len = (int) Math.min(buf.length, n - p);
                MemorySegment.copy(t.data, ValueLayout.JAVA_BYTE, p, buf, 0, len);
                out.write(buf, 0, len);
            }
            out.pad(alignment);
        }
    }

    private static void value(Counting out, GGUFValue v) throws IOException {
        if (!v.isArray()) {
            scalar(out, v.type(), v.value());
            return;
        }
        out.i32(v.elementType().id());
        int n = v.arrayLength();
        out.i64(n);
        Object a = v.value();
        for (int i = 0; i < n; i++) {
            Object e = java.lang.reflect.Array.get(a, i);
            if (v.elementType() == GGUFValueType.ARRAY) {
                value(out, (GGUFValue) e);
            } else {
                scalar(out, v.elementType(), e);
            }
        }
    }

    private static void scalar(Counting out, GGUFValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.write(((Number) v).byteValue());
            case BOOL -> out.write((Boolean) v ? 1 : 0);
            case UINT16, INT16 -> out.i16(((Number) v).shortValue());
            case UINT32, INT32 -> out.i32(((Number) v).intValue());
            case FLOAT32 -> out.i32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case UINT64, INT64 -> out.i64(((Number) v).longValue());
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case STRING -> out.str((String) v);
            case ARRAY -> throw new IllegalStateException();
        }
    }

    private static final class Counting {
        final OutputStream out;
        long written;
        final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Counting(OutputStream out) { this.out = out; }

        void write(int b) throws IOException { out.write(b); written++; }
        void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); written += len; }
        void i16(short v) throws IOException { scratch.clear(); scratch.putShort(v); write(scratch.array(), 0, 2); }
        void i32(int v) throws IOException { scratch.clear(); scratch.putInt(v); write(scratch.array(), 0, 4); }
        void i64(long v) throws IOException { scratch.clear(); scratch.putLong(v); write(scratch.array(), 0, 8); }
        void str(String s) throws IOException { byte[] b = s.getBytes(StandardCharsets.UTF_8); i64(b.length); write(b, 0, b.length); }
        void pad(int alignment) throws IOException { while (written % alignment != 0) write(0); }
    }
}
