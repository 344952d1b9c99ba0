package dev.torchslim.export;

import static dev.torchslim.export.NodeContext.attr;

import dev.torchslim.export.GraphDescription.ConvPacked;
import dev.torchslim.export.GraphDescription.LinearPacked;
import dev.torchslim.export.GraphDescription.QTensorData;
import dev.torchslim.export.GraphDescription.TensorData;
import dev.torchslim.export.Lowering.QParams;
import dev.torchslim.export.Lowering.TensorVal;
import dev.torchslim.export.Lowering.Val;
import java.util.ArrayList;
import java.util.List;

/**
 * TorchScript int8 (TorchSlim's static, QAT and dynamic results) as ONNX QDQ: every int8 tensor is
 * QuantizeLinear/DequantizeLinear with the model's own scale and zero point, weights are int8
 * initializers (per channel, axis 0) behind DequantizeLinear, biases int32 at input scale x weight
 * scale. ONNX Runtime fuses these patterns into its integer kernels. Dynamic int8 linear layers
 * become LibTorch's own dynamic quantization of the input ({@link #dynamicQuantize}) + MatMulInteger.
 */
final class QuantizedOps {
    private QuantizedOps() {}

    static void register() {
        OnnxOps.register(QuantizedOps::quantize, "aten::quantize_per_tensor");
        OnnxOps.register(c -> {
            TensorVal x = c.tensorVal(0);
            c.out(0, new TensorVal(x.name(), GraphDescription.T_FLOAT, x.shape(), null));
        }, "aten::dequantize");
        OnnxOps.register(c -> conv(c, false), "quantized::conv2d", "quantized::conv1d");
        OnnxOps.register(c -> conv(c, true), "quantized::conv2d_relu", "quantized::conv1d_relu");
        OnnxOps.register(c -> linear(c, false), "quantized::linear");
        OnnxOps.register(c -> linear(c, true), "quantized::linear_relu");
        OnnxOps.register(c -> binary(c, "Add", false), "quantized::add");
        OnnxOps.register(c -> binary(c, "Add", true), "quantized::add_relu");
        OnnxOps.register(c -> binary(c, "Mul", false), "quantized::mul");
        OnnxOps.register(c -> binary(c, "Mul", true), "quantized::mul_relu");
        OnnxOps.register(QuantizedOps::cat, "quantized::cat");
        OnnxOps.register(c -> requantize(c, c.op("HardSwish", List.of(c.tensor(0))), 1), "quantized::hardswish");
        OnnxOps.register(QuantizedOps::linearDynamic, "quantized::linear_dynamic");
    }

    static QParams qparams(NodeContext c, int scale, int zeroPoint, int outIndex) {
        int dtype = c.outMeta(outIndex).dtype();
        int type = dtype == GraphDescription.T_QINT8 ? OnnxGraph.INT8 : OnnxGraph.UINT8;
        return new QParams((float) c.number(scale), c.integer(zeroPoint), type);
    }

    // quantize_per_tensor(x, scale, zero_point, dtype)
    private static void quantize(NodeContext c) {
        QParams q = qparams(c, 1, 2, 0);
        c.outQ(0, c.l.qdq(c.tensorAs(0, OnnxGraph.FLOAT), q), q);
    }

    /** Output of an int8 op: Q/DQ at the op's output scale and zero point (inputs scale, zp). */
    private static void requantize(NodeContext c, String y, int scaleIndex) {
        QParams q = qparams(c, scaleIndex, scaleIndex + 1, 0);
        c.outQ(0, c.l.qdq(y, q), q);
    }

    /** The int8 weight behind DequantizeLinear (per channel along axis, or per tensor). */
    static String weight(NodeContext c, QTensorData w, boolean transpose2d) {
        TensorData ints = w.ints();
        long[] shape = ints.shape();
        byte[] raw = ints.raw();
        long axis = w.axis();
        if (transpose2d) {
            int rows = (int) shape[0];
            int cols = (int) shape[1];
            byte[] t = new byte[raw.length];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < cols; k++) {
                    t[k * rows + r] = raw[r * cols + k];
                }
            }
            raw = t;
            shape = new long[] {cols, rows};
            axis = axis < 0 ? axis : 1 - axis;
        }
        int type = w.dtype() == GraphDescription.T_QUINT8 ? OnnxGraph.UINT8 : OnnxGraph.INT8;
        OnnxGraph g = c.l.g;
        String data = g.initializer("w_i8", new OnnxGraph.Tensor(type, shape, raw));
        float[] scales = w.scales().floats();
        long[] zps = w.zeroPoints().longs();
        byte[] zpBytes = new byte[zps.length];
        for (int i = 0; i < zps.length; i++) {
            zpBytes[i] = (byte) zps[i];
        }
        long[] dims = axis < 0 ? new long[0] : new long[] {scales.length};
        String scale = g.initializer("w_s", OnnxGraph.floats(dims, scales));
        String zp = g.initializer("w_z", new OnnxGraph.Tensor(type, dims, zpBytes));
        return axis < 0 ? g.node1("DequantizeLinear", List.of(data, scale, zp), "w")
                : g.node1("DequantizeLinear", List.of(data, scale, zp), "w", attr("axis", axis));
    }

    /** A float bias as int32 at scale input scale x weight scale (what ONNX Runtime's QDQ fusion expects). */
    static String bias(NodeContext c, Object bias, QParams x, QTensorData w) {
        if (bias == null) {
            return null;
        }
        float[] b = ((TensorData) bias).floats();
        float[] ws = w.scales().floats();
        float[] scale = new float[b.length];
        int[] q = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            scale[i] = x.scale() * (ws.length == 1 ? ws[0] : ws[i]);
            q[i] = (int) Math.round(b[i] / (double) scale[i]);
        }
        OnnxGraph g = c.l.g;
        long[] dims = {b.length};
        String data = g.initializer("b_i32", OnnxGraph.ints(dims, q));
        String s = g.initializer("b_s", OnnxGraph.floats(dims, scale));
        return g.node1("DequantizeLinear", List.of(data, s), "b", attr("axis", 0L));  // zero point 0
    }

    private static QParams inputQ(NodeContext c, int i) {
        TensorVal x = c.tensorVal(i);
        if (x.q() == null) {
            throw c.fail("input " + i + " is not an int8 tensor");
        }
        return x.q();
    }

    // quantized::conv2d(qx, packed, scale, zero_point)
    private static void conv(NodeContext c, boolean relu) {
        QParams xq = inputQ(c, 0);
        if (!(c.constant(1) instanceof ConvPacked p)) {
            throw c.fail("the packed weights are not readable");
        }
        if (p.transposed()) {
            throw c.fail("int8 transposed convolution is not mapped");
        }
        QTensorData w = (QTensorData) p.weight();
        long[] shape = w.ints().shape();
        int spatial = shape.length - 2;
        long[] kernel = java.util.Arrays.copyOfRange(shape, 2, shape.length);
        List<String> in = new ArrayList<>(List.of(c.tensor(0), weight(c, w, false)));
        String b = bias(c, p.bias(), xq, w);
        if (b != null) {
            in.add(b);
        }
        long[] pad = longs(p.padding());
        long[] pads = new long[2 * spatial];
        for (int i = 0; i < spatial; i++) {
            pads[i] = pad[i];
            pads[i + spatial] = pad[i];
        }
        String y = c.op("Conv", in, attr("kernel_shape", kernel), attr("strides", longs(p.stride())),
                attr("pads", pads), attr("dilations", longs(p.dilation())), attr("group", p.groups()));
        if (relu) {
            y = c.op("Relu", List.of(y));
        }
        requantize(c, y, 2);
    }

    // quantized::linear(qx, packed, scale, zero_point)
    private static void linear(NodeContext c, boolean relu) {
        QParams xq = inputQ(c, 0);
        if (!(c.constant(1) instanceof LinearPacked p)) {
            throw c.fail("the packed weights are not readable");
        }
        QTensorData w = (QTensorData) p.weight();
        String y;
        if (c.shape(0).length == 2) {
            List<String> in = new ArrayList<>(List.of(c.tensor(0), weight(c, w, false)));
            String b = bias(c, p.bias(), xq, w);
            if (b != null) {
                in.add(b);
            }
            y = c.op("Gemm", in, attr("transB", 1L));
        } else {
            y = c.op("MatMul", List.of(c.tensor(0), weight(c, w, true)));
            String b = bias(c, p.bias(), xq, w);
            if (b != null) {
                y = c.op("Add", List.of(y, b));
            }
        }
        if (relu) {
            y = c.op("Relu", List.of(y));
        }
        requantize(c, y, 2);
    }

    // quantized::add(qa, qb, scale, zero_point)
    private static void binary(NodeContext c, String onnx, boolean relu) {
        String y = c.op(onnx, List.of(c.tensor(0), c.tensor(1)));
        if (relu) {
            y = c.op("Relu", List.of(y));
        }
        requantize(c, y, 2);
    }

    // quantized::cat(tensors, dim, scale, zero_point)
    private static void cat(NodeContext c) {
        String y = TensorOps.concat(c);
        QParams q = qparams(c, 2, 3, 0);
        c.outQ(0, c.l.qdq(y, q), q);
    }

    // quantized::linear_dynamic(x, packed, reduce_range): y = (xq - xzp)(wq - wzp)^T * xs * ws + b
    private static void linearDynamic(NodeContext c) {
        if (!(c.constant(1) instanceof LinearPacked p)) {
            throw c.fail("the packed weights are not readable");
        }
        QTensorData w = (QTensorData) p.weight();
        if (w.dtype() != GraphDescription.T_QINT8) {
            throw c.fail("dynamic int8 weights must be qint8");
        }
        OnnxGraph g = c.l.g;
        String wq = transposedInt8(g, "w_i8", w.ints());
        long[] zps = w.zeroPoints().longs();
        float[] ws = w.scales().floats();
        byte[] zpBytes = new byte[zps.length];
        for (int i = 0; i < zps.length; i++) {
            zpBytes[i] = (byte) zps[i];
        }
        long[] dims = zps.length == 1 && w.axis() < 0 ? new long[0] : new long[] {zps.length};
        String wzp = g.initializer("weight_zero_point", new OnnxGraph.Tensor(OnnxGraph.INT8, dims, zpBytes));
        String wscale = g.initializer("weight_scale", OnnxGraph.floats(dims, ws));
        String bias = null;
        if (p.bias() != null) {
            TensorData b = (TensorData) p.bias();
            bias = g.initializer("bias", OnnxGraph.floats(b.shape(), b.floats()));
        }
        String y = dynamicLinear(g, c.hint(), c.tensorAs(0, OnnxGraph.FLOAT), wq, wzp, wscale, bias, c.bool(2));
        c.out(0, y);
    }

    /**
     * LibTorch's dynamic quantization of an activation (FBGEMM's ChooseQuantizationParams, as
     * quantized::linear_dynamic and the int8 LSTM do it) as ONNX ops: one scale and zero point for the
     * whole tensor from its min and max (both widened to include 0), uint8 on [0, 255], or [0, 127]
     * with reduce_range (x86/FBGEMM); a scale below 6.1e-5 is raised to it with the zero point kept,
     * and an all-zero tensor gets scale 0.1. ONNX's DynamicQuantizeLinear has no reduce_range.
     *
     * @return the uint8 tensor, its scale (float scalar) and its zero point (uint8 scalar)
     */
    static List<String> dynamicQuantize(OnnxGraph g, String hint, String x, boolean reduceRange) {
        double qmax = reduceRange ? 127 : 255;
        String zero = scalar(g, 0);
        String min = op(g, hint, "Min", op(g, hint, "ReduceMin", x, attr("keepdims", 0L)), zero);
        String max = op(g, hint, "Max", op(g, hint, "ReduceMax", x, attr("keepdims", 0L)), zero);
        String scale = op(g, hint, "Div", op(g, hint, "Sub", max, min), scalar(g, qmax));
        String isZero = op(g, hint, "Equal", scale, zero);
        String used = op(g, hint, "Where", isZero, scalar(g, 0.1), op(g, hint, "Max", scale, scalar(g, 6.1e-5)));
        String divisor = op(g, hint, "Where", isZero, scalar(g, 1), scale);
        String zp = op(g, hint, "Clip", op(g, hint, "Round", op(g, hint, "Div", op(g, hint, "Neg", min), divisor)), zero,
                scalar(g, qmax));
        zp = op(g, hint, "Cast", zp, attr("to", (long) OnnxGraph.UINT8));
        return List.of(op(g, hint, "QuantizeLinear", x, used, zp), used, zp);
    }

    /**
     * y = LibTorch's dynamic int8 linear of x: x quantized by {@link #dynamicQuantize}, MatMulInteger
     * against the int8 weight wT [in, out] (zero point wZero), scaled by x's scale times wScale, plus bias.
     */
    static String dynamicLinear(OnnxGraph g, String hint, String x, String wT, String wZero, String wScale, String bias,
            boolean reduceRange) {
        List<String> q = dynamicQuantize(g, hint, x, reduceRange);
        String acc = op(g, hint, "MatMulInteger", q.get(0), wT, q.get(2), wZero);
        String y = op(g, hint, "Cast", acc, attr("to", (long) OnnxGraph.FLOAT));
        y = op(g, hint, "Mul", y, op(g, hint, "Mul", q.get(1), wScale));
        return bias == null ? y : op(g, hint, "Add", y, bias);
    }

    /** A node of g with one output; the inputs come first, then the attributes. */
    static String op(OnnxGraph g, String hint, String type, Object... inputsThenAttrs) {
        List<String> in = new ArrayList<>();
        List<OnnxGraph.Attr> attrs = new ArrayList<>();
        for (Object o : inputsThenAttrs) {
            if (o instanceof OnnxGraph.Attr a) {
                attrs.add(a);
            } else {
                in.add((String) o);
            }
        }
        return g.node1(type, in, hint, attrs.toArray(new OnnxGraph.Attr[0]));
    }

    /** An int8 weight [out, in] as an initializer transposed to [in, out], MatMulInteger's right side. */
    static String transposedInt8(OnnxGraph g, String hint, TensorData ints) {
        int rows = (int) ints.shape()[0];
        int cols = (int) ints.shape()[1];
        byte[] raw = ints.raw();
        byte[] t = new byte[raw.length];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                t[k * rows + r] = raw[r * cols + k];
            }
        }
        return g.initializer(hint, new OnnxGraph.Tensor(OnnxGraph.INT8, new long[] {cols, rows}, t));
    }

    /** A float32 scalar constant. */
    static String scalar(OnnxGraph g, double v) {
        return g.initializer("scalar", OnnxGraph.floats(new long[0], (float) v));
    }

    private static long[] longs(List<Object> values) {
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).longValue();
        }
        return out;
    }
}
