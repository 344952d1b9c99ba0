package dev.torchslim.export;

import dev.torchslim.export.GraphDescription.Meta;
import dev.torchslim.export.GraphDescription.TensorData;
import dev.torchslim.export.Lowering.ConstVal;
import dev.torchslim.export.Lowering.ListVal;
import dev.torchslim.export.Lowering.QParams;
import dev.torchslim.export.Lowering.TensorVal;
import dev.torchslim.export.Lowering.Val;
import dev.torchslim.export.OnnxGraph.Attr;
import java.util.ArrayList;
import java.util.List;

/** One TorchScript node while its handler runs: typed access to its inputs, and its outputs to set. */
final class NodeContext {
    final Lowering l;
    final GraphDescription.Node node;

    NodeContext(Lowering l, GraphDescription.Node node) {
        this.l = l;
        this.node = node;
    }

    int inputCount() {
        return node.inputs().length;
    }

    Val in(int i) {
        return l.val(node.inputs()[i]);
    }

    boolean isNone(int i) {
        return i >= inputCount() || in(i) instanceof ConstVal c && c.value() == null;
    }

    boolean isConstant(int i) {
        return in(i) instanceof ConstVal;
    }

    Object constant(int i) {
        if (in(i) instanceof ConstVal c) {
            if (c.changesWithBatch()) {
                throw fail("input " + i + " changes with the batch size; export this model with a fixed batch "
                        + "(without --dynamic-batch)");
            }
            return c.value();
        }
        throw fail("input " + i + " must not depend on the model's input (it does here)");
    }

    long integer(int i) {
        Object v = constant(i);
        if (v instanceof Long x) {
            return x;
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof TensorData t && t.numel() == 1) {
            return t.longs()[0];
        }
        throw fail("input " + i + " is not an integer: " + v);
    }

    double number(int i) {
        Object v = constant(i);
        if (v instanceof Number x) {
            return x.doubleValue();
        }
        if (v instanceof TensorData t && t.numel() == 1) {
            return t.dtype() == GraphDescription.T_FLOAT ? t.floats()[0]
                    : t.dtype() == GraphDescription.T_DOUBLE ? t.buffer().getDouble(0) : t.longs()[0];
        }
        throw fail("input " + i + " is not a number: " + v);
    }

    boolean bool(int i) {
        Object v = constant(i);
        if (v instanceof Boolean b) {
            return b;
        }
        return integer(i) != 0;
    }

    String string(int i) {
        Object v = constant(i);
        if (v instanceof String s) {
            return s;
        }
        throw fail("input " + i + " is not a string: " + v);
    }

    long[] ints(int i) {
        Object v = constant(i);
        if (v instanceof Long x) {
            return new long[] {x};
        }
        if (v instanceof List<?> list) {
            long[] out = new long[list.size()];
            for (int k = 0; k < out.length; k++) {
                out[k] = ((Number) list.get(k)).longValue();
            }
            return out;
        }
        throw fail("input " + i + " is not a list of integers: " + v);
    }

    /** The input as an ONNX tensor name (constants become initializers of their own type). */
    String tensor(int i) {
        Val v = in(i);
        if (v instanceof TensorVal t) {
            return t.name();
        }
        if (v instanceof ConstVal c && c.value() instanceof TensorData t) {
            constant(i);
            return l.constantTensor(c, Lowering.onnxType(t.dtype()));
        }
        throw fail("input " + i + " is not a tensor: " + describe(v));
    }

    /**
     * The input as an ONNX tensor of the given type: tensors are cast, constant tensors converted,
     * numbers become scalars. Constants that change with the batch size but are equal along dim 0
     * keep one row (they broadcast the same way).
     */
    String tensorAs(int i, int type) {
        Val v = in(i);
        if (v instanceof TensorVal t) {
            return Lowering.onnxType(t.dtype()) == type ? t.name() : op("Cast", List.of(t.name()), attr("to", (long) type));
        }
        if (v instanceof ConstVal c) {
            if (c.value() instanceof TensorData t) {
                if (c.changesWithBatch()) {
                    return l.g.initializer("const_" + c.id(), Lowering.tensorOf(firstRow(t), type));
                }
                return l.constantTensor(c, type);
            }
            return scalar(number(i), type);
        }
        throw fail("input " + i + " is not a tensor: " + describe(v));
    }

    private TensorData firstRow(TensorData t) {
        if (t.shape().length == 0) {
            return t;
        }
        int row = (int) (t.numel() / t.shape()[0]) * GraphDescription.elementSize(t.dtype());
        byte[] raw = t.raw();
        for (int k = row; k < raw.length; k++) {
            if (raw[k] != raw[k % row]) {
                throw fail("a constant of shape " + java.util.Arrays.toString(t.shape())
                        + " changes with the batch size; export this model with a fixed batch (without --dynamic-batch)");
            }
        }
        long[] shape = t.shape().clone();
        shape[0] = 1;
        return new TensorData(t.dtype(), shape, java.util.Arrays.copyOf(raw, row));
    }

    TensorVal tensorVal(int i) {
        if (in(i) instanceof TensorVal t) {
            return t;
        }
        throw fail("input " + i + " must be computed from the model's input; it is " + describe(in(i)));
    }

    /** Rank of input i (tensor or constant tensor). */
    long[] shape(int i) {
        Val v = in(i);
        if (v instanceof TensorVal t) {
            return t.shape();
        }
        if (v instanceof ConstVal c && c.value() instanceof TensorData t) {
            return t.shape();
        }
        throw fail("input " + i + " is not a tensor");
    }

    List<Val> list(int i) {
        Val v = in(i);
        if (v instanceof ListVal lv) {
            return lv.items();
        }
        if (v instanceof ConstVal c && c.value() instanceof List<?> items) {
            List<Val> out = new ArrayList<>();
            for (Object o : items) {
                out.add(new ConstVal(-1, o, c.changesWithBatch()));
            }
            return out;
        }
        throw fail("input " + i + " is not a list: " + describe(v));
    }

    /** The ONNX name of a list element. */
    String tensorOf(Val v) {
        if (v instanceof TensorVal t) {
            return t.name();
        }
        if (v instanceof ConstVal c && c.value() instanceof TensorData t) {
            return l.g.initializer("const", Lowering.tensorOf(t, Lowering.onnxType(t.dtype())));
        }
        throw fail("a list element is not a tensor: " + describe(v));
    }

    QParams firstQuantizedInput() {
        for (int i = 0; i < inputCount(); i++) {
            if (in(i) instanceof TensorVal t && t.q() != null) {
                return t.q();
            }
            if (in(i) instanceof ListVal lv) {
                for (Val x : lv.items()) {
                    if (x instanceof TensorVal t && t.q() != null) {
                        return t.q();
                    }
                }
            }
        }
        return null;
    }

    Meta outMeta(int i) {
        return node.metas()[i];
    }

    long[] outShape(int i) {
        Meta m = outMeta(i);
        if (!m.isTensor()) {
            throw fail("output " + i + " is not a tensor");
        }
        return m.shape();
    }

    int outType(int i) {
        return Lowering.onnxType(outMeta(i).dtype());
    }

    int outputCount() {
        return node.outputs().length;
    }

    void out(int i, String name) {
        outQ(i, name, null);
    }

    void outQ(int i, String name, QParams q) {
        Meta m = outMeta(i);
        l.set(node.outputs()[i], new TensorVal(name, m.dtype(), m.shape(), q));
        Meta next = node.nextBatchMetas()[i];
        if (next.isTensor()) {
            l.nextBatchShapes.put(name, next.shape());
        }
    }

    /** Output i's shape with one more batch row (its shape when the batch is fixed). */
    long[] nextBatchShape(int i) {
        Meta next = node.nextBatchMetas()[i];
        return l.options.dynamicBatch() && next.isTensor() ? next.shape() : outShape(i);
    }

    void out(int i, Val v) {
        l.set(node.outputs()[i], v);
    }

    String op(String type, List<String> inputs, Attr... attrs) {
        return l.g.node1(type, inputs, hint(), attrs);
    }

    List<String> opN(String type, List<String> inputs, int outputs, Attr... attrs) {
        return l.g.node(type, inputs, outputs, hint(), attrs);
    }

    String longs(long... v) {
        return l.g.initializer("ints", OnnxGraph.longs(new long[] {v.length}, v));
    }

    String scalar(double v, int type) {
        return l.g.initializer("scalar", Lowering.fromDoubles(type, new long[0], new double[] {v}));
    }

    /** Reshape x to output 0's shape; with a dynamic batch, the dimension that follows the batch is -1. */
    String reshapeTo(String x) {
        long[] target = outShape(0).clone();
        long[] next = nextBatchShape(0);
        int moving = 0;
        for (int k = 0; k < target.length; k++) {
            if (next.length != target.length) {
                throw fail("the result's rank changes with the batch size");
            }
            if (next[k] != target[k]) {
                target[k] = -1;
                moving++;
            }
        }
        if (moving > 1) {
            throw fail("more than one dimension of the result follows the batch size; export with a fixed batch");
        }
        return op("Reshape", List.of(x, longs(target)));
    }

    static Attr attr(String name, Object value) {
        return new Attr(name, value);
    }

    /** The name hint of this node's outputs (its first TorchScript output's name). */
    String hint() {
        String name = node.outputNames()[0];
        return name.isEmpty() || Character.isDigit(name.charAt(0)) ? "t" + name : name;
    }

    UnsupportedOpException fail(String why) {
        return new UnsupportedOpException("cannot export " + node.kind() + ": " + why + " (at " + node.location() + ")");
    }

    private static String describe(Val v) {
        if (v instanceof ConstVal c) {
            Object x = c.value();
            return x == null ? "None" : x instanceof TensorData t ? "a constant tensor"
                    : "the constant " + x.getClass().getSimpleName() + " " + x;
        }
        return v.getClass().getSimpleName();
    }
}
