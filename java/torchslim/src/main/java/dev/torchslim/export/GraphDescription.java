package dev.torchslim.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What native/src/export/describe.cpp writes: a model's forward, frozen and evaluated on example
 * inputs, as records in graph order. Little-endian; strings are an int64 length and UTF-8 bytes.
 * <pre>
 * "TSGRAPH1"
 * 'I' id name meta                      a graph input and the dtype/shape of its example
 * 'C' id name changes:u8 value          a constant (changes: it differs with the batch size)
 * 'N' kind where nin ids.. nout (id name meta meta')..   a node that depends on the inputs' data
 *                                      (meta': the output with one more batch row, or meta again)
 * 'A' to from                           to is from (the taken branch of an if)
 * 'O' id                                a graph output
 * 'E'
 * </pre>
 */
final class GraphDescription {
    // value tags
    static final int NONE = 0, BOOL = 1, INT = 2, DOUBLE = 3, STRING = 4, TENSOR = 5, QTENSOR = 6, LIST = 7,
            CONV_PACKED = 8, LINEAR_PACKED = 9, OTHER = 10, DEVICE = 11, CELL_PARAMS = 12;

    // c10::ScalarType
    static final int T_UINT8 = 0, T_INT8 = 1, T_INT16 = 2, T_INT32 = 3, T_INT64 = 4, T_HALF = 5, T_FLOAT = 6,
            T_DOUBLE = 7, T_BOOL = 11, T_QINT8 = 12, T_QUINT8 = 13, T_QINT32 = 14, T_BFLOAT16 = 15;

    /** dtype and shape of a tensor the node produced; for lists, items. */
    record Meta(int dtype, long[] shape, List<Meta> items) {
        boolean isTensor() {
            return shape != null;
        }

        boolean isQuantized() {
            return shape != null && (dtype == T_QINT8 || dtype == T_QUINT8 || dtype == T_QINT32);
        }
    }

    /** A plain tensor: c10 dtype, shape, little-endian bytes. */
    record TensorData(int dtype, long[] shape, byte[] raw) {
        long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        }

        float[] floats() {
            if (dtype != T_FLOAT) {
                throw new IllegalStateException("not a float tensor: dtype " + dtype);
            }
            float[] f = new float[(int) numel()];
            buffer().asFloatBuffer().get(f);
            return f;
        }

        long[] longs() {
            long[] l = new long[(int) numel()];
            ByteBuffer b = buffer();
            for (int i = 0; i < l.length; i++) {
                l[i] = switch (dtype) {
                    case T_INT64 -> b.getLong(8 * i);
                    case T_INT32 -> b.getInt(4 * i);
                    case T_UINT8, T_BOOL -> b.get(i) & 0xFF;
                    case T_INT8 -> b.get(i);
                    default -> throw new IllegalStateException("not an integer tensor: dtype " + dtype);
                };
            }
            return l;
        }
    }

    /** A quantized tensor: qdtype, per-channel axis (-1: per tensor), scales, zero points, integers. */
    record QTensorData(int dtype, long axis, TensorData scales, TensorData zeroPoints, TensorData ints) {}

    record ConvPacked(Object weight, Object bias, List<Object> stride, List<Object> padding, List<Object> dilation,
            long groups, boolean transposed) {}

    record LinearPacked(Object weight, Object bias) {}

    /** A quantized RNN cell: its __getstate__ (kind, [b_ih, b_hh], doubles, longs, [packed w_ih, packed w_hh]). */
    record CellParams(List<Object> state) {}

    record Other(String type) {}

    sealed interface Record permits Input, Constant, Node, Alias, Output {}

    record Input(long id, String name, Meta meta) implements Record {}

    /** value: null (None), Boolean, Long, Double, String, TensorData, QTensorData, List, packed params, Other. */
    record Constant(long id, String name, boolean changesWithBatch, Object value) implements Record {}

    record Node(String kind, String where, long[] inputs, long[] outputs, String[] outputNames, Meta[] metas,
            Meta[] nextBatchMetas)
            implements Record {
        /** Module path and source line of the node, for messages. */
        String location() {
            String[] parts = where.split("\t", 2);
            String path = parts[0].isEmpty() ? "" : "module " + parts[0] + ", ";
            String text = parts.length > 1 ? parts[1] : "";
            return path + "node: " + text;
        }
    }

    record Alias(long to, long from) implements Record {}

    record Output(long id) implements Record {}

    final List<Record> records = new ArrayList<>();

    private final ByteBuffer in;

    GraphDescription(byte[] bytes) {
        in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        in.get(magic);
        if (!"TSGRAPH1".equals(new String(magic, StandardCharsets.US_ASCII))) {
            throw new IllegalStateException("not a TorchSlim graph description");
        }
        while (true) {
            int r = in.get();
            switch (r) {
                case 'I' -> records.add(new Input(in.getLong(), str(), meta()));
                case 'C' -> records.add(new Constant(in.getLong(), str(), in.get() != 0, value()));
                case 'N' -> {
                    String kind = str();
                    String where = str();
                    long[] ins = new long[(int) in.getLong()];
                    for (int i = 0; i < ins.length; i++) {
                        ins[i] = in.getLong();
                    }
                    int n = (int) in.getLong();
                    long[] outs = new long[n];
                    String[] names = new String[n];
                    Meta[] metas = new Meta[n];
                    Meta[] next = new Meta[n];
                    for (int i = 0; i < n; i++) {
                        outs[i] = in.getLong();
                        names[i] = str();
                        metas[i] = meta();
                        next[i] = meta();
                    }
                    records.add(new Node(kind, where, ins, outs, names, metas, next));
                }
                case 'A' -> records.add(new Alias(in.getLong(), in.getLong()));
                case 'O' -> records.add(new Output(in.getLong()));
                case 'E' -> {
                    return;
                }
                default -> throw new IllegalStateException("bad graph description record " + r);
            }
        }
    }

    private String str() {
        byte[] b = new byte[(int) in.getLong()];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private long[] dims() {
        long[] d = new long[(int) in.getLong()];
        for (int i = 0; i < d.length; i++) {
            d[i] = in.getLong();
        }
        return d;
    }

    private Meta meta() {
        int tag = in.get();
        if (tag == TENSOR) {
            int dtype = (int) in.getLong();
            return new Meta(dtype, dims(), null);
        }
        if (tag == LIST) {
            int n = (int) in.getLong();
            List<Meta> items = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                items.add(meta());
            }
            return new Meta(-1, null, items);
        }
        return new Meta(-1, null, null);
    }

    private TensorData plainTensor() {
        int dtype = (int) in.getLong();
        long[] shape = dims();
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        byte[] raw = new byte[Math.toIntExact(numel * elementSize(dtype))];
        in.get(raw);
        return new TensorData(dtype, shape, raw);
    }

    static int elementSize(int dtype) {
        return switch (dtype) {
            case T_UINT8, T_INT8, T_BOOL, T_QINT8, T_QUINT8 -> 1;
            case T_INT16, T_HALF, T_BFLOAT16 -> 2;
            case T_INT32, T_FLOAT, T_QINT32 -> 4;
            case T_INT64, T_DOUBLE -> 8;
            default -> throw new IllegalStateException("tensor dtype " + dtype + " (c10::ScalarType) is not supported");
        };
    }

    private Object value() {
        int tag = in.get();
        switch (tag) {
            case NONE:
                return null;
            case BOOL:
                return in.get() != 0;
            case INT:
                return in.getLong();
            case DOUBLE:
                return in.getDouble();
            case STRING:
            case DEVICE:
                return str();
            case TENSOR:
                return plainTensor();
            case QTENSOR: {
                int dtype = (int) in.getLong();
                long axis = in.getLong();
                TensorData scales = plainTensor();
                TensorData zps = plainTensor();
                return new QTensorData(dtype, axis, scales, zps, plainTensor());
            }
            case LIST: {
                int n = (int) in.getLong();
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(value());
                }
                return items;
            }
            case CONV_PACKED: {
                Object w = value();
                Object b = value();
                @SuppressWarnings("unchecked")
                List<Object> stride = (List<Object>) value();
                @SuppressWarnings("unchecked")
                List<Object> padding = (List<Object>) value();
                @SuppressWarnings("unchecked")
                List<Object> dilation = (List<Object>) value();
                long groups = in.getLong();
                boolean transposed = in.get() != 0;
                return new ConvPacked(w, b, stride, padding, dilation, groups, transposed);
            }
            case LINEAR_PACKED:
                return new LinearPacked(value(), value());
            case CELL_PARAMS: {
                @SuppressWarnings("unchecked")
                List<Object> state = (List<Object>) value();
                return new CellParams(state);
            }
            case OTHER:
                return new Other(str());
            default:
                throw new IllegalStateException("bad value tag " + tag);
        }
    }
}
