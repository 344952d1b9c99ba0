package dev.torchslim.export;

import static dev.torchslim.export.NodeContext.attr;

import dev.torchslim.export.GraphDescription.TensorData;
import dev.torchslim.export.Lowering.ConstVal;
import dev.torchslim.export.Lowering.Val;
import java.util.ArrayList;
import java.util.List;

/**
 * aten::lstm as one ONNX LSTM per layer. PyTorch stacks the gates i, f, g, o; ONNX wants i, o, f, c
 * (c = PyTorch's g), so the weight rows are reordered here.
 */
final class RecurrentOps {
    private RecurrentOps() {}

    static void register() {
        OnnxOps.register(RecurrentOps::lstm, "aten::lstm", "aten::quantized_lstm");
    }

    // lstm(input, hx[h0, c0], params, has_biases, num_layers, dropout, train, bidirectional, batch_first);
    // quantized_lstm has the same inputs (params: one int8 cell per layer and direction) and dtype, use_dynamic
    private static void lstm(NodeContext c) {
        boolean quantized = c.node.kind().equals("aten::quantized_lstm");
        if (quantized) {
            quantizedLstm(c);
            return;
        }
        if (c.inputCount() != 9) {
            throw c.fail("only the padded-input overload of aten::lstm is mapped (not packed sequences)");
        }
        List<Val> hx = c.list(1);
        List<Val> params = c.list(2);
        boolean biases = c.bool(3);
        int layers = (int) c.integer(4);
        boolean bidirectional = c.bool(7);
        boolean batchFirst = c.bool(8);
        int dirs = bidirectional ? 2 : 1;
        int per = biases ? 4 : 2;
        if (params.size() != layers * dirs * per) {
            throw c.fail("expected " + layers * dirs * per + " LSTM weights, got " + params.size()
                    + " (LSTMs with proj_size are not mapped)");
        }
        String x = c.tensor(0);
        if (batchFirst) {
            x = c.op("Transpose", List.of(x), attr("perm", new long[] {1, 0, 2}));
        }
        List<String> hs = new ArrayList<>();
        List<String> cs = new ArrayList<>();
        long hidden = 0;
        for (int layer = 0; layer < layers; layer++) {
            List<float[]> w = new ArrayList<>();
            List<float[]> r = new ArrayList<>();
            List<float[]> b = new ArrayList<>();
            long inputSize = 0;
            for (int d = 0; d < dirs; d++) {
                int base = (layer * dirs + d) * per;
                TensorData wih = weight(c, params.get(base));
                TensorData whh = weight(c, params.get(base + 1));
                hidden = whh.shape()[1];
                inputSize = wih.shape()[1];
                w.add(reorder(wih.floats(), (int) hidden, (int) inputSize));
                r.add(reorder(whh.floats(), (int) hidden, (int) hidden));
                float[] bias = new float[(int) (8 * hidden)];
                if (biases) {
                    System.arraycopy(reorder(weight(c, params.get(base + 2)).floats(), (int) hidden, 1), 0, bias, 0,
                            (int) (4 * hidden));
                    System.arraycopy(reorder(weight(c, params.get(base + 3)).floats(), (int) hidden, 1), 0, bias,
                            (int) (4 * hidden), (int) (4 * hidden));
                }
                b.add(bias);
            }
            String wName = c.l.g.initializer("lstm_W", OnnxGraph.floats(new long[] {dirs, 4 * hidden, inputSize}, concat(w)));
            String rName = c.l.g.initializer("lstm_R", OnnxGraph.floats(new long[] {dirs, 4 * hidden, hidden}, concat(r)));
            String bName = c.l.g.initializer("lstm_B", OnnxGraph.floats(new long[] {dirs, 8 * hidden}, concat(b)));
            x = layer(c, x, wName, rName, bName, hx, layer, dirs, hidden, hs, cs);
        }
        outputs(c, x, batchFirst, hs, cs);
    }

    /**
     * Dynamic int8 LSTM (TorchSlim's or PyTorch's quantize_dynamic), computed as LibTorch's
     * quantized_lstm computes it: per layer and direction, the whole sequence's input projection with
     * the input quantized once ({@link QuantizedOps#dynamicQuantize}) and MatMulInteger against the
     * int8 W_ih, then an ONNX Scan over the steps whose body quantizes h on its own, multiplies it by
     * the int8 W_hh and runs the float cell. ONNX's LSTM op runs in float only: with it the file agreed
     * with LibTorch on 95% of top-1s, this form on all of the test's.
     */
    private static void quantizedLstm(NodeContext c) {
        List<Val> hx = c.list(1);
        List<Val> cells = c.list(2);
        int layers = (int) c.integer(4);
        boolean bidirectional = c.bool(7);
        boolean batchFirst = c.bool(8);
        int dirs = bidirectional ? 2 : 1;
        if (cells.size() != layers * dirs) {
            throw c.fail("expected " + layers * dirs + " int8 LSTM cells, got " + cells.size());
        }
        if (c.shape(0).length != 3) {
            throw c.fail("the int8 LSTM's input must be [seq, batch, features] or batch first (no packed sequences)");
        }
        String x = c.tensorAs(0, OnnxGraph.FLOAT);
        if (batchFirst) {
            x = c.op("Transpose", List.of(x), attr("perm", new long[] {1, 0, 2}));
        }
        List<String> hs = new ArrayList<>();
        List<String> cs = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            List<String> directions = new ArrayList<>();
            for (int d = 0; d < dirs; d++) {
                List<Object> state = cellState(c, cells.get(layer * dirs + d));
                directions.add(scanned(c, x, state, hx, layer * dirs + d, d == 1, hs, cs));
            }
            x = directions.size() == 1 ? directions.get(0) : c.op("Concat", directions, attr("axis", 2L));
        }
        outputs(c, x, batchFirst, hs, cs);
    }

    /** One direction of one int8 layer over x [seq, batch, in]; returns its h at every step, [seq, batch, hidden]. */
    private static String scanned(NodeContext c, String x, List<Object> state, List<Val> hx, int row, boolean reverse,
            List<String> hs, List<String> cs) {
        @SuppressWarnings("unchecked")
        List<Object> biases = (List<Object>) state.get(1);
        @SuppressWarnings("unchecked")
        List<Object> flags = (List<Object>) state.get(3);
        @SuppressWarnings("unchecked")
        List<Object> packed = (List<Object>) state.get(4);
        boolean reduceRange = !flags.isEmpty() && ((Number) flags.get(0)).longValue() != 0;
        GraphDescription.QTensorData wih = int8Weight(c, packed.get(0));
        GraphDescription.QTensorData whh = int8Weight(c, packed.get(1));
        long hidden = whh.ints().shape()[1];
        OnnxGraph g = c.l.g;
        String hint = c.hint();
        String weightZero = g.initializer("lstm_w_zero_point", new OnnxGraph.Tensor(OnnxGraph.INT8, new long[0],
                new byte[1]));
        String bIh = g.initializer("lstm_b_ih", OnnxGraph.floats(new long[] {4 * hidden},
                ((TensorData) biases.get(0)).floats()));
        String bHh = g.initializer("lstm_b_hh", OnnxGraph.floats(new long[] {4 * hidden},
                ((TensorData) biases.get(1)).floats()));
        // the whole sequence's input projection at once, as LibTorch's FullLayer does on CPU: [seq, batch, 4 * hidden]
        String gatesIn = QuantizedOps.dynamicLinear(g, hint, x, QuantizedOps.transposedInt8(g, "lstm_W_ih", wih.ints()),
                weightZero, QuantizedOps.scalar(g, wih.scales().floats()[0]), bIh, reduceRange);
        String wHh = QuantizedOps.transposedInt8(g, "lstm_W_hh", whh.ints());
        String wHhScale = QuantizedOps.scalar(g, whh.scales().floats()[0]);

        OnnxGraph body = g.subgraph();
        String hPrev = body.fresh("h_prev");
        String cPrev = body.fresh("c_prev");
        String gIn = body.fresh("gates_in");
        for (String in : List.of(hPrev, cPrev, gIn)) {
            body.input(in, OnnxGraph.FLOAT, null);
        }
        String gates = QuantizedOps.op(body, hint, "Add", gIn,
                QuantizedOps.dynamicLinear(body, hint, hPrev, wHh, weightZero, wHhScale, bHh, reduceRange));
        List<String> ifgo = body.node("Split", List.of(gates, c.longs(hidden, hidden, hidden, hidden)), 4, hint,
                attr("axis", 1L));
        String i = QuantizedOps.op(body, hint, "Sigmoid", ifgo.get(0));
        String f = QuantizedOps.op(body, hint, "Sigmoid", ifgo.get(1));
        String gg = QuantizedOps.op(body, hint, "Tanh", ifgo.get(2));
        String o = QuantizedOps.op(body, hint, "Sigmoid", ifgo.get(3));
        String cNew = QuantizedOps.op(body, hint, "Add", QuantizedOps.op(body, hint, "Mul", f, cPrev),
                QuantizedOps.op(body, hint, "Mul", i, gg));
        String hNew = QuantizedOps.op(body, hint, "Mul", o, QuantizedOps.op(body, hint, "Tanh", cNew));
        String hOut = QuantizedOps.op(body, hint, "Identity", hNew);
        for (String out : List.of(hNew, cNew, hOut)) {
            body.output(out, OnnxGraph.FLOAT, null);
        }
        long direction = reverse ? 1 : 0;
        List<String> outs = c.opN("Scan", List.of(stateRow(c, hx.get(0), row, gatesIn, hidden),
                stateRow(c, hx.get(1), row, gatesIn, hidden), gatesIn), 3, attr("body", body),
                attr("num_scan_inputs", 1L), attr("scan_input_directions", new long[] {direction}),
                attr("scan_output_directions", new long[] {direction}));
        hs.add(c.op("Unsqueeze", List.of(outs.get(0), c.longs(0))));
        cs.add(c.op("Unsqueeze", List.of(outs.get(1), c.longs(0))));
        return outs.get(2);
    }

    /**
     * Row `row` of an initial state [layers * dirs, batch, hidden] as [batch, hidden]; zeros of that
     * shape (the batch read from gatesIn [seq, batch, 4 * hidden]) when it is a zero constant.
     */
    private static String stateRow(NodeContext c, Val v, int row, String gatesIn, long hidden) {
        String rows = initialState(c, v, row, 1);
        if (rows.isEmpty()) {
            String batch = c.op("Shape", List.of(gatesIn), attr("start", 1L), attr("end", 2L));
            return c.op("ConstantOfShape", List.of(c.op("Concat", List.of(batch, c.longs(hidden)), attr("axis", 0L))),
                    attr("value", OnnxGraph.floats(new long[] {1}, 0f)));
        }
        return c.op("Gather", List.of(rows, c.l.g.initializer("row", OnnxGraph.longs(new long[0], 0))),
                attr("axis", 0L));
    }

    /**
     * One ONNX LSTM layer over x [seq, batch, features] with weights W, R, B already in ONNX's
     * gate order; returns its output as [seq, batch, dirs * hidden] and collects its final h and c.
     */
    private static String layer(NodeContext c, String x, String w, String r, String b, List<Val> hx, int layer,
            int dirs, long hidden, List<String> hs, List<String> cs) {
        List<String> outs = c.opN("LSTM", List.of(x, w, r, b, "", initialState(c, hx.get(0), layer, dirs),
                initialState(c, hx.get(1), layer, dirs)), 3,
                attr("hidden_size", hidden), attr("direction", dirs == 2 ? "bidirectional" : "forward"));
        // Y [seq, dirs, batch, hidden] -> [seq, batch, dirs * hidden]
        String y = c.op("Transpose", List.of(outs.get(0)), attr("perm", new long[] {0, 2, 1, 3}));
        hs.add(outs.get(1));
        cs.add(outs.get(2));
        return c.op("Reshape", List.of(y, c.longs(0, 0, -1)));
    }

    /** aten::lstm's three outputs: the sequence (batch first again if asked), all layers' h and c. */
    private static void outputs(NodeContext c, String x, boolean batchFirst, List<String> hs, List<String> cs) {
        if (batchFirst) {
            x = c.op("Transpose", List.of(x), attr("perm", new long[] {1, 0, 2}));
        }
        c.out(0, x);
        c.out(1, hs.size() == 1 ? hs.get(0) : c.op("Concat", hs, attr("axis", 0L)));
        c.out(2, cs.size() == 1 ? cs.get(0) : c.op("Concat", cs, attr("axis", 0L)));
    }

    private static List<Object> cellState(NodeContext c, Val v) {
        if (v instanceof ConstVal cv && cv.value() instanceof GraphDescription.CellParams p
                && "quantized_dynamic".equals(p.state().get(0))) {
            return p.state();
        }
        throw c.fail("only dynamic int8 LSTM cells (quantized_dynamic) are mapped");
    }

    private static GraphDescription.QTensorData int8Weight(NodeContext c, Object packed) {
        if (packed instanceof GraphDescription.LinearPacked p && p.weight() instanceof GraphDescription.QTensorData q
                && q.axis() < 0 && q.dtype() == GraphDescription.T_QINT8) {
            return q;
        }
        throw c.fail("int8 LSTM weights must be per-tensor qint8");
    }

    private static TensorData weight(NodeContext c, Val v) {
        if (v instanceof ConstVal cv && cv.value() instanceof TensorData t && t.dtype() == GraphDescription.T_FLOAT) {
            return t;
        }
        throw c.fail("LSTM weights must be float constants of the model");
    }

    /** Initial state rows of one layer; "" (zeros, ONNX's default) when the state is a zero constant. */
    private static String initialState(NodeContext c, Val v, int layer, int dirs) {
        if (v instanceof ConstVal cv && cv.value() instanceof TensorData t) {
            boolean zero = true;
            for (byte x : t.raw()) {
                zero &= x == 0;
            }
            if (zero) {
                return "";
            }
        }
        String all = c.tensorOf(v);
        return c.op("Slice", List.of(all, c.longs(layer * dirs), c.longs((layer + 1) * dirs), c.longs(0)));
    }

    /** Gate blocks i, f, g, o (rows of cols values each, hidden rows per gate) to i, o, f, g. */
    static float[] reorder(float[] w, int hidden, int cols) {
        return reorderGates(w, new float[w.length], hidden, cols);
    }

    private static float[] concat(List<float[]> parts) {
        return concatArrays(parts, float[]::new);
    }

    /** Copies gate blocks i, f, g, o of w into out as i, o, f, g; w and out are primitive arrays. */
    private static <A> A reorderGates(A w, A out, int hidden, int cols) {
        int block = hidden * cols;
        int[] from = {0, 3, 1, 2};
        for (int k = 0; k < 4; k++) {
            System.arraycopy(w, from[k] * block, out, k * block, block);
        }
        return out;
    }

    /** The primitive arrays of parts one after another, in a new array made by make. */
    private static <A> A concatArrays(List<A> parts, java.util.function.IntFunction<A> make) {
        int n = 0;
        for (A p : parts) {
            n += java.lang.reflect.Array.getLength(p);
        }
        A out = make.apply(n);
        int at = 0;
        for (A p : parts) {
            int len = java.lang.reflect.Array.getLength(p);
            System.arraycopy(p, 0, out, at, len);
            at += len;
        }
        return out;
    }
}
