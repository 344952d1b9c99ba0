package dev.torchslim.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX graph being built (nodes in order, initializers, inputs, outputs) and its ModelProto
 * encoding. Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto,
 * AttributeProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto).
 */
final class OnnxGraph {
    // TensorProto.DataType
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;
    static final int BFLOAT16 = 16;

    /** An attribute of a node: name and a value (Long, Float/Double, String, long[], float[], Tensor, OnnxGraph). */
    record Attr(String name, Object value) {}

    /** A tensor of an initializer: ONNX element type, dimensions, little-endian raw bytes. */
    record Tensor(int type, long[] dims, byte[] raw) {}

    private record NodeSpec(String op, List<String> inputs, List<String> outputs, List<Attr> attrs, String doc) {}

    private record ValueSpec(String name, int type, Object[] dims) {}

    private final List<NodeSpec> nodes = new ArrayList<>();
    private final Map<String, Tensor> initializers;
    private final Map<String, String> smallInitializers;
    private final List<ValueSpec> inputs = new ArrayList<>();
    private final List<ValueSpec> outputs = new ArrayList<>();
    private final Map<String, Integer> used;
    private final Map<String, Integer> opCounts;
    /** The graph this one is the body of (a Scan's), or null for the model's graph. */
    private final OnnxGraph outer;

    OnnxGraph() {
        this(null);
    }

    private OnnxGraph(OnnxGraph outer) {
        this.outer = outer;
        this.initializers = outer == null ? new LinkedHashMap<>() : outer.initializers;
        this.smallInitializers = outer == null ? new HashMap<>() : outer.smallInitializers;
        this.used = outer == null ? new HashMap<>() : outer.used;
        this.opCounts = outer == null ? new LinkedHashMap<>() : outer.opCounts;
        this.withDocs = outer == null || outer.withDocs;
    }

    /**
     * A graph for a control-flow body (Scan's): its names are unique across the model, and its
     * constants are the model graph's initializers, which a body may read from the outer scope.
     */
    OnnxGraph subgraph() {
        return new OnnxGraph(this);
    }
    private String doc = "";
    /** Node doc strings (the TorchScript op and module each node came from); off for int8 files, whose size counts. */
    boolean withDocs = true;

    /** A name not used before, derived from hint. */
    String fresh(String hint) {
        String base = hint.replaceAll("[^A-Za-z0-9_.:/-]", "_");
        if (base.isEmpty()) {
            base = "v";
        }
        int n = used.merge(base, 1, Integer::sum);
        return n == 1 ? base : base + "_" + (n - 1);
    }

    void docNext(String text) {
        doc = text;
    }

    /** Adds a node; returns its output names (fresh, from hint). */
    List<String> node(String op, List<String> in, int outputCount, String hint, Attr... attrs) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < outputCount; i++) {
            out.add(fresh(hint));
        }
        nodes.add(new NodeSpec(op, List.copyOf(in), out, List.of(attrs), doc));
        doc = "";
        opCounts.merge(op, 1, Integer::sum);
        return out;
    }

    void nodeNamed(String op, List<String> in, List<String> out, Attr... attrs) {
        nodes.add(new NodeSpec(op, List.copyOf(in), List.copyOf(out), List.of(attrs), doc));
        opCounts.merge(op, 1, Integer::sum);
    }

    String node1(String op, List<String> in, String hint, Attr... attrs) {
        return node(op, in, 1, hint, attrs).get(0);
    }

    /**
     * Adds a constant; small ones (shape constants, scalars, at most 64 bytes) are shared: the same
     * type, shape and bytes give the name made the first time, so unrolled graphs do not repeat them.
     */
    String initializer(String hint, Tensor t) {
        String key = null;
        if (t.raw().length <= 64) {
            key = t.type() + java.util.Arrays.toString(t.dims()) + java.util.HexFormat.of().formatHex(t.raw());
            String shared = smallInitializers.get(key);
            if (shared != null) {
                return shared;
            }
        }
        String name = fresh(hint);
        initializers.put(name, t);
        if (key != null) {
            smallInitializers.put(key, name);
        }
        return name;
    }

    void input(String name, int type, Object[] dims) {
        inputs.add(new ValueSpec(name, type, dims));
    }

    void output(String name, int type, Object[] dims) {
        outputs.add(new ValueSpec(name, type, dims));
    }

    Map<String, Integer> opCounts() {
        return opCounts;
    }

    static Tensor floats(long[] dims, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new Tensor(FLOAT, dims, b.array());
    }

    static Tensor longs(long[] dims, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return new Tensor(INT64, dims, b.array());
    }

    static Tensor ints(long[] dims, int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return new Tensor(INT32, dims, b.array());
    }

    byte[] encode(int opset, String producerVersion) {
        ProtoWriter model = new ProtoWriter();
        model.varint(1, opset >= 21 ? 10 : opset >= 19 ? 9 : 8);
        model.string(2, "torchslim");
        model.string(3, producerVersion);
        model.message(7, graphProto());
        model.message(8, new ProtoWriter().string(1, "").varint(2, opset));
        return model.toByteArray();
    }

    /** Names read by this graph's nodes and by the bodies they carry. */
    private void collectReads(java.util.Set<String> read) {
        for (NodeSpec n : nodes) {
            read.addAll(n.inputs());
            for (Attr a : n.attrs()) {
                if (a.value() instanceof OnnxGraph body) {
                    body.collectReads(read);
                }
            }
        }
    }

    private ProtoWriter graphProto() {
        ProtoWriter graph = new ProtoWriter();
        for (NodeSpec n : nodes) {
            ProtoWriter node = new ProtoWriter();
            for (String i : n.inputs()) {
                node.string(1, i);
            }
            for (String o : n.outputs()) {
                node.string(2, o);
            }
            node.string(4, n.op());
            for (Attr a : n.attrs()) {
                node.message(5, attribute(a));
            }
            if (!n.doc().isEmpty() && withDocs) {
                node.string(6, n.doc());
            }
            graph.message(1, node);
        }
        graph.string(2, outer == null ? "torchslim" : "body");
        if (outer == null) {  // a body reads the model graph's initializers from the outer scope
            java.util.Set<String> read = new java.util.HashSet<>();
            collectReads(read);
            for (Map.Entry<String, Tensor> e : initializers.entrySet()) {
                if (read.contains(e.getKey())) {  // a handler may have made a constant it then did not use
                    graph.message(5, tensor(e.getKey(), e.getValue()));
                }
            }
        }
        for (ValueSpec v : inputs) {
            graph.message(11, valueInfo(v));
        }
        for (ValueSpec v : outputs) {
            graph.message(12, valueInfo(v));
        }
        return graph;
    }

    private static ProtoWriter tensor(String name, Tensor t) {
        ProtoWriter p = new ProtoWriter();
        if (t.dims().length > 0) {
            p.packedVarints(1, t.dims());
        }
        p.varint(2, t.type());
        if (name != null) {
            p.string(8, name);
        }
        p.bytes(9, t.raw());
        return p;
    }

    private static ProtoWriter attribute(Attr a) {
        ProtoWriter p = new ProtoWriter().string(1, a.name());
        Object v = a.value();
        if (v instanceof Float || v instanceof Double) {
            p.float32(2, ((Number) v).floatValue()).varint(20, 1);
        } else if (v instanceof Long || v instanceof Integer) {
            p.varint(3, ((Number) v).longValue()).varint(20, 2);
        } else if (v instanceof String s) {
            p.string(4, s).varint(20, 3);
        } else if (v instanceof Tensor t) {
            p.message(5, tensor(null, t)).varint(20, 4);
        } else if (v instanceof float[] fs) {
            p.packedFloats(7, fs).varint(20, 6);
        } else if (v instanceof long[] ls) {
            p.packedVarints(8, ls).varint(20, 7);
        } else if (v instanceof OnnxGraph body) {
            p.message(6, body.graphProto()).varint(20, 5);
        } else {
            throw new IllegalArgumentException("attribute " + a.name() + " of type " + v.getClass());
        }
        return p;
    }

    private static ProtoWriter valueInfo(ValueSpec v) {
        if (v.dims() == null) {  // element type only, shape unknown (a body's inputs and outputs)
            ProtoWriter tensorType = new ProtoWriter().varint(1, v.type());
            return new ProtoWriter().string(1, v.name()).message(2, new ProtoWriter().message(1, tensorType));
        }
        ProtoWriter shape = new ProtoWriter();
        for (Object d : v.dims()) {
            ProtoWriter dim = new ProtoWriter();
            if (d instanceof String s) {
                dim.string(2, s);
            } else {
                dim.varint(1, ((Number) d).longValue());
            }
            shape.message(1, dim);
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, v.type()).message(2, shape);
        return new ProtoWriter().string(1, v.name()).message(2, new ProtoWriter().message(1, tensorType));
    }
}
