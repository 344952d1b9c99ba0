package dev.torchslim.export;

import dev.torchslim.export.GraphDescription.Meta;
import dev.torchslim.export.GraphDescription.TensorData;
import dev.torchslim.export.OnnxGraph.Attr;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a graph description into an ONNX graph: keeps what each TorchScript value became (an ONNX
 * tensor, a constant, a list) and hands every node to its handler in {@link OnnxOps}.
 */
final class Lowering {
    /** What a TorchScript value became. */
    sealed interface Val permits TensorVal, ConstVal, ListVal {}

    /** An ONNX tensor; q: the int8 parameters it was quantized with (the tensor holds the dequantized values). */
    record TensorVal(String name, int dtype, long[] shape, QParams q) implements Val {}

    record ConstVal(long id, Object value, boolean changesWithBatch) implements Val {}

    record ListVal(List<Val> items) implements Val {}

    /** Per-tensor activation quantization: scale, zero point, ONNX element type (UINT8 or INT8). */
    record QParams(float scale, long zeroPoint, int type) {}

    /** Ops whose int8 output is a selection of input values (and 0 = zero point): still on the input's grid. */
    private static final java.util.Set<String> ON_GRID = java.util.Set.of("aten::relu", "aten::relu_",
            "aten::max_pool1d", "aten::max_pool2d", "aten::max_pool3d", "aten::flatten", "aten::view", "aten::reshape",
            "aten::permute", "aten::transpose", "aten::squeeze", "aten::unsqueeze", "aten::contiguous", "aten::select",
            "aten::slice", "aten::dropout");

    final OnnxGraph g = new OnnxGraph();
    final OnnxExportOptions options;
    final long batch;
    /** The model has int8 ops: float embedding tables are stored int8 too. */
    boolean int8Model;
    private final Map<Long, Val> env = new HashMap<>();
    private final Map<Long, String> constNames = new HashMap<>();
    /** Shapes of node outputs (by ONNX name) when the batch has one more row. */
    final Map<String, long[]> nextBatchShapes = new HashMap<>();
    private final Map<QParams, String[]> qNames = new HashMap<>();

    Lowering(OnnxExportOptions options, long batch) {
        this.options = options;
        this.batch = batch;
    }

    void run(GraphDescription d) {
        List<Long> outputs = new ArrayList<>();
        for (GraphDescription.Record r : d.records) {
            if (r instanceof GraphDescription.Node n && (n.kind().startsWith("quantized::")
                    || n.kind().equals("aten::quantize_per_tensor") || n.kind().equals("aten::quantized_lstm"))) {
                int8Model = true;
                g.withDocs = false;
            }
        }
        for (GraphDescription.Record r : d.records) {
            if (r instanceof GraphDescription.Input in) {
                int type = onnxType(in.meta().dtype());
                String name = g.fresh(in.name().replaceAll("\\.\\d+$", ""));
                g.input(name, type, dims(in.meta().shape(), null));
                env.put(in.id(), new TensorVal(name, in.meta().dtype(), in.meta().shape(), null));
            } else if (r instanceof GraphDescription.Constant c) {
                env.put(c.id(), new ConstVal(c.id(), c.value(), c.changesWithBatch() && options.dynamicBatch()));
            } else if (r instanceof GraphDescription.Alias a) {
                env.put(a.to(), val(a.from()));
            } else if (r instanceof GraphDescription.Output o) {
                outputs.add(o.id());
            } else if (r instanceof GraphDescription.Node n) {
                lower(n);
            }
        }
        List<TensorVal> flat = new ArrayList<>();
        for (long id : outputs) {
            flatten(val(id), flat, id);
        }
        for (int i = 0; i < flat.size(); i++) {
            TensorVal t = flat.get(i);
            String name = g.fresh(flat.size() == 1 ? "output" : "output_" + i);
            g.docNext("");
            g.nodeNamed("Identity", List.of(t.name()), List.of(name));
            g.output(name, onnxType(t.dtype()), dims(t.shape(), nextBatchShapes.get(t.name())));
        }
    }

    private void flatten(Val v, List<TensorVal> out, long id) {
        if (v instanceof TensorVal t) {
            out.add(t);
        } else if (v instanceof ListVal l) {
            for (Val x : l.items()) {
                flatten(x, out, id);
            }
        } else {
            throw new UnsupportedOpException("the model returns a constant (value %" + id
                    + "), which does not depend on its input; ONNX files here return tensors computed from the input");
        }
    }

    private void lower(GraphDescription.Node n) {
        OpHandler h = OnnxOps.handler(n.kind());
        if (h == null) {
            throw new UnsupportedOpException("cannot export op " + n.kind() + " to ONNX (no mapping; "
                    + OnnxOps.count() + " ops are supported, see dev.torchslim.export.OnnxOps) at " + n.location());
        }
        // the TorchScript op and module a node came from, on the first ONNX node it became
        g.docNext(n.kind() + " " + n.where().split("\t", 2)[0]);
        NodeContext c = new NodeContext(this, n);
        try {
            h.lower(c);
        } catch (UnsupportedOpException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new UnsupportedOpException("cannot export " + n.kind() + " at " + n.location() + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < n.outputs().length; i++) {
            Val v = env.get(n.outputs()[i]);
            if (v == null) {
                throw new IllegalStateException("handler of " + n.kind() + " left output " + i + " unset");
            }
            Meta m = n.metas()[i];
            if (m.isQuantized() && v instanceof TensorVal t && t.q() == null) {
                // ops that keep their input's int8 parameters (relu, pooling, reshapes) in PyTorch
                QParams q = c.firstQuantizedInput();
                if (q == null) {
                    throw new UnsupportedOpException("cannot export " + n.kind() + " on int8 tensors (no int8 parameters "
                            + "for its output) at " + n.location());
                }
                // values that stay on the input's int8 grid need no second Q/DQ pair
                String name = ON_GRID.contains(n.kind()) ? t.name() : qdq(t.name(), q);
                env.put(n.outputs()[i], new TensorVal(name, t.dtype(), t.shape(), q));
            }
        }
    }

    Val val(long id) {
        Val v = env.get(id);
        if (v == null) {
            throw new IllegalStateException("value %" + id + " used before it was defined");
        }
        return v;
    }

    void set(long id, Val v) {
        env.put(id, v);
    }

    /** An initializer for a constant value (once per value). */
    String constantTensor(ConstVal c, int type) {
        String known = constNames.get(c.id() * 64 + type);
        if (known != null) {
            return known;
        }
        TensorData t = (TensorData) c.value();
        String name = g.initializer("const_" + c.id(), tensorOf(t, type));
        constNames.put(c.id() * 64 + type, name);
        return name;
    }

    /** QuantizeLinear then DequantizeLinear with q: the tensor as int8 arithmetic sees it. */
    String qdq(String x, QParams q) {
        String[] sz = qparamNames(q);
        String quant = g.node1("QuantizeLinear", List.of(x, sz[0], sz[1]), "q");
        return g.node1("DequantizeLinear", List.of(quant, sz[0], sz[1]), "dq");
    }

    String[] qparamNames(QParams q) {
        return qNames.computeIfAbsent(q, k -> new String[] {
            g.initializer("s", OnnxGraph.floats(new long[0], k.scale())),
            g.initializer("z", new OnnxGraph.Tensor(k.type(), new long[0], new byte[] {(byte) k.zeroPoint()}))});
    }

    /** Dimensions of a graph input or output: with a dynamic batch, those that follow it are "batch". */
    Object[] dims(long[] shape, long[] nextBatch) {
        Object[] d = new Object[shape.length];
        for (int i = 0; i < shape.length; i++) {
            d[i] = shape[i];
            if (options.dynamicBatch() && (nextBatch == null ? i == 0 && shape[0] == batch
                    : nextBatch.length == shape.length && nextBatch[i] != shape[i])) {
                d[i] = "batch";
            }
        }
        return d;
    }

    static int onnxType(int c10) {
        return switch (c10) {
            case GraphDescription.T_FLOAT, GraphDescription.T_QUINT8, GraphDescription.T_QINT8 -> OnnxGraph.FLOAT;
            case GraphDescription.T_DOUBLE -> OnnxGraph.DOUBLE;
            case GraphDescription.T_INT64 -> OnnxGraph.INT64;
            case GraphDescription.T_INT32 -> OnnxGraph.INT32;
            case GraphDescription.T_BOOL -> OnnxGraph.BOOL;
            case GraphDescription.T_UINT8 -> OnnxGraph.UINT8;
            case GraphDescription.T_INT8 -> OnnxGraph.INT8;
            case GraphDescription.T_HALF -> OnnxGraph.FLOAT16;
            default -> throw new UnsupportedOpException("tensors of dtype " + c10 + " (c10::ScalarType) have no ONNX type here");
        };
    }

    /** The tensor's values as an ONNX tensor of the given type (numeric conversion where types differ). */
    static OnnxGraph.Tensor tensorOf(TensorData t, int type) {
        if (onnxType(t.dtype()) == type) {
            return new OnnxGraph.Tensor(type, t.shape(), t.raw());
        }
        int n = (int) t.numel();
        double[] v = new double[n];
        ByteBuffer b = t.buffer();
        for (int i = 0; i < n; i++) {
            v[i] = switch (t.dtype()) {
                case GraphDescription.T_FLOAT -> b.getFloat(4 * i);
                case GraphDescription.T_DOUBLE -> b.getDouble(8 * i);
                case GraphDescription.T_INT64 -> b.getLong(8 * i);
                case GraphDescription.T_INT32 -> b.getInt(4 * i);
                case GraphDescription.T_BOOL, GraphDescription.T_UINT8 -> b.get(i) & 0xFF;
                case GraphDescription.T_INT8 -> b.get(i);
                default -> throw new UnsupportedOpException("cannot convert a constant of dtype " + t.dtype());
            };
        }
        return fromDoubles(type, t.shape(), v);
    }

    static OnnxGraph.Tensor fromDoubles(int type, long[] shape, double[] v) {
        int size = switch (type) {
            case OnnxGraph.FLOAT, OnnxGraph.INT32 -> 4;
            case OnnxGraph.DOUBLE, OnnxGraph.INT64 -> 8;
            case OnnxGraph.BOOL, OnnxGraph.UINT8, OnnxGraph.INT8 -> 1;
            default -> throw new UnsupportedOpException("cannot make a constant of ONNX type " + type);
        };
        ByteBuffer out = ByteBuffer.allocate(v.length * size).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            switch (type) {
                case OnnxGraph.FLOAT -> out.putFloat((float) x);
                case OnnxGraph.DOUBLE -> out.putDouble(x);
                case OnnxGraph.INT64 -> out.putLong((long) x);
                case OnnxGraph.INT32 -> out.putInt((int) x);
                case OnnxGraph.BOOL -> out.put((byte) (x != 0 ? 1 : 0));
                default -> out.put((byte) x);
            }
        }
        return new OnnxGraph.Tensor(type, shape, out.array());
    }

    static Attr attr(String name, Object value) {
        return new Attr(name, value);
    }
}
