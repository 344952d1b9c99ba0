package dev.torchslim.export;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How to export: the shape of each forward input (the model runs once on examples of these shapes;
 * everything computed from shapes alone becomes a constant), the inputs' element type, whether dim 0
 * stays symbolic ("batch") in the file, and the ONNX opset (17 to 21).
 *
 * @param inputShapes one shape per forward input, e.g. [1, 3, 224, 224]
 * @param integerInputs true: the inputs are int64 (token ids), false: float32
 */
public record OnnxExportOptions(List<long[]> inputShapes, boolean integerInputs, boolean dynamicBatch, int opset) {
    public static final int DEFAULT_OPSET = 17;
    public static final int MIN_OPSET = 17;
    public static final int MAX_OPSET = 21;

    public OnnxExportOptions {
        if (inputShapes == null || inputShapes.isEmpty()) {
            throw new IllegalArgumentException("give the shape of every forward input, e.g. 1,3,224,224");
        }
        List<long[]> copy = new ArrayList<>();
        for (long[] s : inputShapes) {
            if (s == null || s.length == 0) {
                throw new IllegalArgumentException("an input shape needs at least one dimension");
            }
            for (long d : s) {
                if (d < 1) {
                    throw new IllegalArgumentException("input shape " + Arrays.toString(s) + ": dimensions must be >= 1");
                }
            }
            copy.add(s.clone());
        }
        inputShapes = List.copyOf(copy);
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new IllegalArgumentException("opset " + opset + " is outside " + MIN_OPSET + ".." + MAX_OPSET);
        }
    }

    /** One float32 input of this shape, fixed batch, opset 17. */
    public static OnnxExportOptions input(long... shape) {
        return new OnnxExportOptions(List.<long[]>of(shape), false, false, DEFAULT_OPSET);
    }

    public OnnxExportOptions withIntegerInputs() {
        return new OnnxExportOptions(inputShapes, true, dynamicBatch, opset);
    }

    public OnnxExportOptions withDynamicBatch() {
        return new OnnxExportOptions(inputShapes, integerInputs, true, opset);
    }

    public OnnxExportOptions withOpset(int opset) {
        return new OnnxExportOptions(inputShapes, integerInputs, dynamicBatch, opset);
    }
}
