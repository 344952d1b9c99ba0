package dev.torchslim.export;

import static dev.torchslim.export.NodeContext.attr;

import dev.torchslim.export.GraphDescription.TensorData;
import dev.torchslim.export.Lowering.ConstVal;
import dev.torchslim.export.Lowering.ListVal;
import dev.torchslim.export.Lowering.TensorVal;
import dev.torchslim.export.Lowering.Val;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Float ops: convolution, linear layers, elementwise math, activations, pooling, shapes, normalization. */
final class TensorOps {
    private TensorOps() {}

    static void register() {
        OnnxOps.register(TensorOps::conv, "aten::conv1d", "aten::conv2d", "aten::conv3d", "aten::_convolution");
        OnnxOps.register(TensorOps::linear, "aten::linear");
        OnnxOps.register(c -> c.out(0, c.op("Gemm", List.of(c.tensor(1), c.tensor(2), c.tensor(0)),
                attr("alpha", c.isNone(4) ? 1.0 : c.number(4)), attr("beta", c.isNone(3) ? 1.0 : c.number(3)))),
                "aten::addmm");
        OnnxOps.register(c -> c.out(0, c.op("MatMul", List.of(c.tensor(0), c.tensor(1)))),
                "aten::matmul", "aten::mm", "aten::bmm");
        binary("Add", "aten::add", "aten::add_");
        binary("Sub", "aten::sub", "aten::sub_");
        binary("Mul", "aten::mul", "aten::mul_");
        binary("Div", "aten::div", "aten::div_");
        binary("Pow", "aten::pow");
        OnnxOps.register(c -> {  // rsub(a, b, alpha) = b - alpha * a
            int t = c.outType(0);
            String a = c.tensorAs(0, t);
            if (c.inputCount() > 2 && !c.isNone(2) && c.number(2) != 1) {
                a = c.op("Mul", List.of(a, c.scalar(c.number(2), t)));
            }
            c.out(0, c.op("Sub", List.of(c.tensorAs(1, t), a)));
        }, "aten::rsub");
        unary("Relu", "aten::relu", "aten::relu_");
        unary("Sigmoid", "aten::sigmoid", "aten::sigmoid_");
        unary("Tanh", "aten::tanh", "aten::tanh_");
        unary("HardSwish", "aten::hardswish", "aten::hardswish_");
        unary("Exp", "aten::exp");
        unary("Log", "aten::log");
        unary("Sqrt", "aten::sqrt");
        unary("Neg", "aten::neg");
        unary("Abs", "aten::abs");
        unary("Erf", "aten::erf");
        unary("Reciprocal", "aten::reciprocal");
        OnnxOps.register(c -> c.out(0, c.op("Reciprocal", List.of(c.op("Sqrt", List.of(c.tensor(0)))))), "aten::rsqrt");
        OnnxOps.register(c -> c.out(0, c.op("HardSigmoid", List.of(c.tensor(0)), attr("alpha", 1.0 / 6), attr("beta", 0.5))),
                "aten::hardsigmoid", "aten::hardsigmoid_");
        OnnxOps.register(c -> {
            String x = c.tensor(0);
            c.out(0, c.op("Mul", List.of(x, c.op("Sigmoid", List.of(x)))));
        }, "aten::silu", "aten::silu_");
        OnnxOps.register(TensorOps::gelu, "aten::gelu");
        OnnxOps.register(c -> clip(c, c.number(1), c.number(2)), "aten::hardtanh", "aten::hardtanh_");
        OnnxOps.register(c -> clip(c, 0, 6), "aten::relu6", "aten::relu6_");
        OnnxOps.register(c -> clip(c, c.isNone(1) ? Double.NaN : c.number(1), c.isNone(2) ? Double.NaN : c.number(2)),
                "aten::clamp", "aten::clamp_");
        OnnxOps.register(c -> c.out(0, c.op("LeakyRelu", List.of(c.tensor(0)),
                attr("alpha", c.inputCount() > 1 ? c.number(1) : 0.01))), "aten::leaky_relu", "aten::leaky_relu_");
        OnnxOps.register(c -> softmax(c, "Softmax"), "aten::softmax", "aten::_softmax");
        OnnxOps.register(c -> softmax(c, "LogSoftmax"), "aten::log_softmax", "aten::_log_softmax");
        OnnxOps.register(TensorOps::maxPool, "aten::max_pool1d", "aten::max_pool2d", "aten::max_pool3d");
        OnnxOps.register(TensorOps::avgPool, "aten::avg_pool1d", "aten::avg_pool2d", "aten::avg_pool3d");
        OnnxOps.register(c -> adaptivePool(c, "AveragePool", "GlobalAveragePool"),
                "aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d", "aten::adaptive_avg_pool3d");
        OnnxOps.register(c -> reduce(c, "ReduceMean"), "aten::mean");
        OnnxOps.register(c -> reduce(c, "ReduceSum"), "aten::sum");
        OnnxOps.register(c -> c.out(0, c.reshapeTo(c.tensor(0))),
                "aten::flatten", "aten::view", "aten::reshape", "aten::_reshape_alias", "aten::unflatten",
                "aten::squeeze", "aten::squeeze_", "aten::unsqueeze", "aten::unsqueeze_", "aten::view_as",
                "aten::reshape_as");
        OnnxOps.register(c -> c.out(0, c.op("Transpose", List.of(c.tensor(0)), attr("perm", normalize(c.ints(1),
                c.shape(0).length)))), "aten::permute");
        OnnxOps.register(TensorOps::transpose, "aten::transpose", "aten::transpose_", "aten::t", "aten::numpy_T");
        OnnxOps.register(c -> c.out(0, c.op("Expand", List.of(c.tensor(0), expandShape(c)))),
                "aten::expand", "aten::expand_as");
        OnnxOps.register(TensorOps::select, "aten::select");
        OnnxOps.register(TensorOps::indexSelect, "aten::index_select");
        OnnxOps.register(TensorOps::slice, "aten::slice");
        OnnxOps.register(TensorOps::cat, "aten::cat", "aten::concat");
        OnnxOps.register(TensorOps::stack, "aten::stack");
        OnnxOps.register(TensorOps::split, "aten::split", "aten::split_with_sizes", "aten::chunk",
                "aten::unsafe_chunk", "aten::unsafe_split");
        OnnxOps.register(TensorOps::embedding, "aten::embedding");
        OnnxOps.register(TensorOps::layerNorm, "aten::layer_norm");
        OnnxOps.register(TensorOps::batchNorm, "aten::batch_norm");
        OnnxOps.register(TensorOps::attention, "aten::scaled_dot_product_attention");
        OnnxOps.register(c -> c.out(0, c.op("Where", List.of(c.tensorAs(1, OnnxGraph.BOOL),
                c.tensorAs(2, c.outType(0)), c.tensor(0)))), "aten::masked_fill", "aten::masked_fill_");
    }

    private static void binary(String onnx, String... kinds) {
        OnnxOps.register(c -> {
            int t = c.outType(0);
            String b = c.tensorAs(1, t);
            // add/sub(a, b, alpha): a + alpha * b
            if ((onnx.equals("Add") || onnx.equals("Sub")) && c.inputCount() > 2 && !c.isNone(2)
                    && c.isConstant(2) && !(c.constant(2) instanceof String) && c.number(2) != 1) {
                b = c.op("Mul", List.of(b, c.scalar(c.number(2), t)));
            }
            if (onnx.equals("Div") && c.inputCount() > 2 && !c.isNone(2)) {
                throw c.fail("division with rounding_mode " + c.string(2) + " is not mapped");
            }
            c.out(0, c.op(onnx, List.of(c.tensorAs(0, t), b)));
        }, kinds);
    }

    private static void unary(String onnx, String... kinds) {
        OnnxOps.register(c -> c.out(0, c.op(onnx, List.of(c.tensor(0)))), kinds);
    }

    private static void clip(NodeContext c, double lo, double hi) {
        int t = c.outType(0);
        c.out(0, c.op("Clip", List.of(c.tensor(0), Double.isNaN(lo) ? "" : c.scalar(lo, t),
                Double.isNaN(hi) ? "" : c.scalar(hi, t))));
    }

    private static void gelu(NodeContext c) {
        String approximate = c.inputCount() > 1 && !c.isNone(1) ? c.string(1) : "none";
        String x = c.tensor(0);
        int t = c.outType(0);
        String inner;
        if (approximate.equals("tanh")) {  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            String cube = c.op("Mul", List.of(x, c.op("Mul", List.of(x, x))));
            String sum = c.op("Add", List.of(x, c.op("Mul", List.of(cube, c.scalar(0.044715, t)))));
            inner = c.op("Tanh", List.of(c.op("Mul", List.of(sum, c.scalar(Math.sqrt(2 / Math.PI), t)))));
        } else {  // 0.5 x (1 + erf(x / sqrt 2))
            inner = c.op("Erf", List.of(c.op("Div", List.of(x, c.scalar(Math.sqrt(2), t)))));
        }
        String half = c.op("Mul", List.of(x, c.scalar(0.5, t)));
        c.out(0, c.op("Mul", List.of(half, c.op("Add", List.of(inner, c.scalar(1, t))))));
    }

    private static void softmax(NodeContext c, String onnx) {
        String x = c.tensor(0);
        if (c.inputCount() > 2 && !c.isNone(2)) {
            x = c.op("Cast", List.of(x), attr("to", (long) c.outType(0)));
        }
        c.out(0, c.op(onnx, List.of(x), attr("axis", c.integer(1))));
    }

    private static long[] normalize(long[] dims, int rank) {
        long[] out = dims.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] < 0) {
                out[i] += rank;
            }
        }
        return out;
    }

    private static long[] repeat(long[] v, int n) {
        if (v.length == n) {
            return v;
        }
        long[] out = new long[n];
        Arrays.fill(out, v.length == 0 ? 0 : v[0]);
        return out;
    }

    private static long[] pads(long[] p) {
        long[] out = new long[p.length * 2];
        System.arraycopy(p, 0, out, 0, p.length);
        System.arraycopy(p, 0, out, p.length, p.length);
        return out;
    }

    // conv{1,2,3}d(x, w, b, stride, padding, dilation, groups) and
    // _convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups, ...)
    private static void conv(NodeContext c) {
        boolean full = c.node.kind().equals("aten::_convolution");
        if (full && c.bool(6)) {
            throw c.fail("transposed convolution is not mapped");
        }
        long[] w = c.shape(1);
        int spatial = w.length - 2;
        long[] kernel = Arrays.copyOfRange(w, 2, w.length);
        long[] stride = repeat(c.ints(3), spatial);
        long[] dilation = repeat(c.ints(5), spatial);
        long groups = c.integer(full ? 8 : 6);
        long[] padding;
        if (c.isConstant(4) && c.constant(4) instanceof String mode) {
            if (mode.equals("valid")) {
                padding = new long[spatial];
            } else {
                padding = new long[spatial];
                for (int i = 0; i < spatial; i++) {
                    long total = dilation[i] * (kernel[i] - 1);
                    if (total % 2 != 0) {
                        throw c.fail("padding='same' with an even kernel is not mapped");
                    }
                    padding[i] = total / 2;
                }
            }
        } else {
            padding = repeat(c.ints(4), spatial);
        }
        List<String> in = new ArrayList<>(List.of(c.tensor(0), c.tensor(1)));
        if (!c.isNone(2)) {
            in.add(c.tensor(2));
        }
        c.out(0, c.op("Conv", in, attr("kernel_shape", kernel), attr("strides", stride), attr("pads", pads(padding)),
                attr("dilations", dilation), attr("group", groups)));
    }

    private static void linear(NodeContext c) {
        int rank = c.shape(0).length;
        if (rank == 2) {
            List<String> in = new ArrayList<>(List.of(c.tensor(0), c.tensor(1)));
            if (!c.isNone(2)) {
                in.add(c.tensor(2));
            }
            c.out(0, c.op("Gemm", in, attr("transB", 1L)));
            return;
        }
        String w = transposedWeight(c, 1);
        String y = c.op("MatMul", List.of(c.tensor(0), w));
        c.out(0, c.isNone(2) ? y : c.op("Add", List.of(y, c.tensor(2))));
    }

    /** w^T of a [out, in] weight: transposed here when constant, else by a Transpose node. */
    static String transposedWeight(NodeContext c, int i) {
        Val v = c.in(i);
        if (v instanceof ConstVal cv && cv.value() instanceof TensorData t && t.dtype() == GraphDescription.T_FLOAT
                && t.shape().length == 2) {
            return c.l.g.initializer("weight_t", OnnxGraph.floats(new long[] {t.shape()[1], t.shape()[0]},
                    transpose(t.floats(), (int) t.shape()[0], (int) t.shape()[1])));
        }
        return c.op("Transpose", List.of(c.tensor(i)), attr("perm", new long[] {1, 0}));
    }

    static float[] transpose(float[] a, int rows, int cols) {
        float[] out = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                out[k * rows + r] = a[r * cols + k];
            }
        }
        return out;
    }

    // max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)
    private static void maxPool(NodeContext c) {
        long[] kernel = c.ints(1);
        int n = kernel.length == 1 ? c.shape(0).length - 2 : kernel.length;
        kernel = repeat(kernel, n);
        long[] stride = c.ints(2).length == 0 ? kernel : repeat(c.ints(2), n);
        c.out(0, c.op("MaxPool", List.of(c.tensor(0)), attr("kernel_shape", kernel), attr("strides", stride),
                attr("pads", pads(repeat(c.ints(3), n))), attr("dilations", repeat(c.ints(4), n)),
                attr("ceil_mode", c.bool(5) ? 1L : 0L)));
    }

    // avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    private static void avgPool(NodeContext c) {
        long[] kernel = c.ints(1);
        int n = kernel.length == 1 ? c.shape(0).length - 2 : kernel.length;
        kernel = repeat(kernel, n);
        long[] stride = c.ints(2).length == 0 ? kernel : repeat(c.ints(2), n);
        if (c.inputCount() > 6 && !c.isNone(6)) {
            throw c.fail("avg_pool with divisor_override is not mapped");
        }
        c.out(0, c.op("AveragePool", List.of(c.tensor(0)), attr("kernel_shape", kernel), attr("strides", stride),
                attr("pads", pads(repeat(c.ints(3), n))), attr("ceil_mode", c.bool(4) ? 1L : 0L),
                attr("count_include_pad", c.bool(5) ? 1L : 0L)));
    }

    private static void adaptivePool(NodeContext c, String pool, String global) {
        long[] in = c.shape(0);
        long[] out = c.outShape(0);
        int n = in.length - 2;
        boolean allOne = true;
        long[] kernel = new long[n];
        for (int i = 0; i < n; i++) {
            long a = in[i + 2];
            long b = out[i + 2];
            allOne &= b == 1;
            if (a % b != 0) {
                throw c.fail("adaptive pooling from " + a + " to " + b + " (not a divisor) is not mapped");
            }
            kernel[i] = a / b;
        }
        if (allOne) {
            c.out(0, c.op(global, List.of(c.tensor(0))));
        } else {
            c.out(0, c.op(pool, List.of(c.tensor(0)), attr("kernel_shape", kernel), attr("strides", kernel)));
        }
    }

    // mean/sum(x, dims, keepdim, dtype)
    private static void reduce(NodeContext c, String onnx) {
        int rank = c.shape(0).length;
        long[] axes = c.inputCount() > 1 && !c.isNone(1) && !(c.constant(1) instanceof Long dt && c.inputCount() == 2)
                ? normalize(c.ints(1), rank) : null;
        long keep = c.inputCount() > 2 && c.bool(2) ? 1 : 0;
        String x = c.tensorAs(0, c.outType(0));
        if (axes == null) {
            c.out(0, c.op(onnx, List.of(x), attr("keepdims", 0L)));
        } else if (onnx.equals("ReduceMean") && c.l.options.opset() < 18) {
            c.out(0, c.op(onnx, List.of(x), attr("axes", axes), attr("keepdims", keep)));
        } else {
            c.out(0, c.op(onnx, List.of(x, c.longs(axes)), attr("keepdims", keep)));
        }
    }

    private static void transpose(NodeContext c) {
        int rank = c.shape(0).length;
        long[] perm = new long[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        if (rank >= 2) {
            long a = c.inputCount() > 1 ? c.integer(1) : 0;
            long b = c.inputCount() > 1 ? c.integer(2) : 1;
            if (c.node.kind().equals("aten::numpy_T")) {
                for (int i = 0; i < rank; i++) {
                    perm[i] = rank - 1 - i;
                }
            } else {
                a = a < 0 ? a + rank : a;
                b = b < 0 ? b + rank : b;
                perm[(int) a] = b;
                perm[(int) b] = a;
            }
        }
        c.out(0, c.op("Transpose", List.of(c.tensor(0)), attr("perm", perm)));
    }

    private static String expandShape(NodeContext c) {
        long[] out = c.outShape(0).clone();
        long[] next = c.nextBatchShape(0);
        for (int k = 0; k < out.length; k++) {
            if (next[k] != out[k]) {
                out[k] = 1;  // Expand broadcasts: 1 keeps the input's (batch) dimension
            }
        }
        return c.longs(out);
    }

    private static void select(NodeContext c) {
        int rank = c.shape(0).length;
        long dim = c.integer(1);
        c.out(0, c.op("Gather", List.of(c.tensor(0), c.scalar(c.integer(2), OnnxGraph.INT64)),
                attr("axis", dim < 0 ? dim + rank : dim)));
    }

    // index_select(x, dim, index): a channel-pruned model's read of its kept input features
    private static void indexSelect(NodeContext c) {
        int rank = c.shape(0).length;
        long dim = c.integer(1);
        c.out(0, c.op("Gather", List.of(c.tensor(0), c.tensorAs(2, OnnxGraph.INT64)), attr("axis", dim < 0 ? dim + rank : dim)));
    }

    // slice(x, dim, start, end, step)
    private static void slice(NodeContext c) {
        long start = c.isNone(2) ? 0 : c.integer(2);
        long end = c.isNone(3) ? Long.MAX_VALUE : c.integer(3);
        long step = c.inputCount() > 4 && !c.isNone(4) ? c.integer(4) : 1;
        long dim = c.integer(1);
        if (start == 0 && end == Long.MAX_VALUE && step == 1) {
            c.out(0, c.in(0));
            return;
        }
        c.out(0, c.op("Slice", List.of(c.tensor(0), c.longs(start), c.longs(end), c.longs(dim), c.longs(step))));
    }

    private static void cat(NodeContext c) {
        c.out(0, concat(c));
    }

    /** Concat of input 0 (a list of tensors) along input 1 (a dim, negative counts from the end). */
    static String concat(NodeContext c) {
        List<String> in = new ArrayList<>();
        for (Val v : c.list(0)) {
            in.add(c.tensorOf(v));
        }
        long dim = c.integer(1);
        int rank = c.outShape(0).length;
        return c.op("Concat", in, attr("axis", dim < 0 ? dim + rank : dim));
    }

    private static void stack(NodeContext c) {
        int rank = c.outShape(0).length;
        long dim = c.integer(1);
        dim = dim < 0 ? dim + rank : dim;
        List<String> in = new ArrayList<>();
        for (Val v : c.list(0)) {
            in.add(c.op("Unsqueeze", List.of(c.tensorOf(v), c.longs(dim))));
        }
        c.out(0, c.op("Concat", in, attr("axis", dim)));
    }

    // split(x, size|sizes, dim), chunk(x, chunks, dim): the pieces' sizes come from the evaluation
    private static void split(NodeContext c) {
        List<GraphDescription.Meta> pieces = c.outMeta(0).items();
        if (pieces == null) {
            throw c.fail("the split's result is not a list of tensors");
        }
        int rank = c.shape(0).length;
        long dim = c.integer(2);
        dim = dim < 0 ? dim + rank : dim;
        long[] sizes = new long[pieces.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = pieces.get(i).shape()[(int) dim];
        }
        List<String> outs = c.opN("Split", List.of(c.tensor(0), c.longs(sizes)), sizes.length, attr("axis", dim));
        List<Val> items = new ArrayList<>();
        for (int i = 0; i < outs.size(); i++) {
            GraphDescription.Meta m = pieces.get(i);
            items.add(new TensorVal(outs.get(i), m.dtype(), m.shape(), null));
        }
        c.out(0, new ListVal(items));
    }

    /**
     * embedding(weight, ids, ...) as Gather. In an int8 model the table, which PyTorch's int8 passes
     * leave float, is stored int8 per row (symmetric, weight only) behind DequantizeLinear.
     */
    private static void embedding(NodeContext c) {
        String table;
        if (c.l.int8Model && c.in(0) instanceof ConstVal cv && cv.value() instanceof TensorData t
                && t.dtype() == GraphDescription.T_FLOAT && t.shape().length == 2) {
            int rows = (int) t.shape()[0];
            int cols = (int) t.shape()[1];
            float[] w = t.floats();
            float[] scales = new float[rows];
            byte[] q = new byte[w.length];
            for (int r = 0; r < rows; r++) {
                float max = 0;
                for (int k = 0; k < cols; k++) {
                    max = Math.max(max, Math.abs(w[r * cols + k]));
                }
                scales[r] = Math.max(max / 127f, 1e-12f);
                for (int k = 0; k < cols; k++) {
                    q[r * cols + k] = (byte) Math.max(-127, Math.min(127, Math.round(w[r * cols + k] / scales[r])));
                }
            }
            OnnxGraph g = c.l.g;
            String data = g.initializer("embedding_int8", new OnnxGraph.Tensor(OnnxGraph.INT8, t.shape(), q));
            String scale = g.initializer("embedding_scale", OnnxGraph.floats(new long[] {rows}, scales));
            String zp = g.initializer("embedding_zero_point", new OnnxGraph.Tensor(OnnxGraph.INT8, new long[] {rows},
                    new byte[rows]));
            table = g.node1("DequantizeLinear", List.of(data, scale, zp), "embedding", attr("axis", 0L));
        } else {
            table = c.tensor(0);
        }
        c.out(0, c.op("Gather", List.of(table, c.tensor(1)), attr("axis", 0L)));
    }

    // layer_norm(x, normalized_shape, weight, bias, eps, cudnn_enable)
    private static void layerNorm(NodeContext c) {
        long[] normalized = c.ints(1);
        long n = 1;
        for (long d : normalized) {
            n *= d;
        }
        float[] ones = new float[(int) n];
        Arrays.fill(ones, 1f);
        String w = c.isNone(2) ? c.l.g.initializer("ln_weight", OnnxGraph.floats(normalized, ones)) : c.tensor(2);
        List<String> in = new ArrayList<>(List.of(c.tensor(0), w));
        if (!c.isNone(3)) {
            in.add(c.tensor(3));
        }
        c.out(0, c.op("LayerNormalization", in, attr("axis", (long) -normalized.length), attr("epsilon", c.number(4))));
    }

    // batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
    private static void batchNorm(NodeContext c) {
        if (c.bool(5)) {
            throw c.fail("batch_norm in training mode is not mapped (export models in eval mode)");
        }
        long channels = c.shape(0)[1];
        float[] ones = new float[(int) channels];
        Arrays.fill(ones, 1f);
        String w = c.isNone(1) ? c.l.g.initializer("bn_weight", OnnxGraph.floats(new long[] {channels}, ones)) : c.tensor(1);
        String b = c.isNone(2) ? c.l.g.initializer("bn_bias", OnnxGraph.floats(new long[] {channels}, new float[(int) channels]))
                : c.tensor(2);
        c.out(0, c.op("BatchNormalization", List.of(c.tensor(0), w, b, c.tensor(3), c.tensor(4)),
                attr("epsilon", c.number(7))));
    }

    // scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale, enable_gqa)
    private static void attention(NodeContext c) {
        if (c.inputCount() > 5 && c.bool(5)) {
            throw c.fail("is_causal=True is not mapped (pass the causal mask as attn_mask)");
        }
        long[] q = c.shape(0);
        int t = c.outType(0);
        double scale = c.inputCount() > 6 && !c.isNone(6) ? c.number(6) : 1 / Math.sqrt(q[q.length - 1]);
        int rank = c.shape(1).length;
        long[] perm = new long[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[rank - 1] = rank - 2;
        perm[rank - 2] = rank - 1;
        String kt = c.op("Transpose", List.of(c.tensor(1)), attr("perm", perm));
        String scores = c.op("Mul", List.of(c.op("MatMul", List.of(c.tensor(0), kt)), c.scalar(scale, t)));
        if (!c.isNone(3)) {
            Val mask = c.in(3);
            boolean boolMask = mask instanceof TensorVal tv ? tv.dtype() == GraphDescription.T_BOOL
                    : ((TensorData) ((ConstVal) mask).value()).dtype() == GraphDescription.T_BOOL;
            if (boolMask) {
                scores = c.op("Where", List.of(c.tensorAs(3, OnnxGraph.BOOL), scores, c.scalar(-Float.MAX_VALUE, t)));
            } else {
                scores = c.op("Add", List.of(scores, c.tensorAs(3, t)));
            }
        }
        String p = c.op("Softmax", List.of(scores), attr("axis", -1L));
        c.out(0, c.op("MatMul", List.of(p, c.tensor(2))));
    }
}
