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
 * @param dynamicBatch true: dim 0 of every input and output is the symbolic "batch" in the file
 * @param opset the ONNX opset, {@link #MIN_OPSET} to {@link #MAX_OPSET}
 */
public record OnnxExportOptions(List<long[]> inputShapes, boolean integerInputs, boolean dynamicBatch, int opset) {
    /** The opset when none is asked for. */
    public static final int DEFAULT_OPSET = 17;
    /** The lowest opset the exporter writes. */
    public static final int MIN_OPSET = 17;
    /** The highest opset the exporter writes. */
    public static final int MAX_OPSET = 21;

    /**
     * Checks the shapes and the opset and copies the shapes.
     *
     * @param inputShapes one shape per forward input, each dimension &gt;= 1
     * @param integerInputs true: the inputs are int64 (token ids), false: float32
     * @param dynamicBatch true: dim 0 stays symbolic in the file
     * @param opset the ONNX opset, {@link #MIN_OPSET} to {@link #MAX_OPSET}
     * @throws IllegalArgumentException if a shape is missing or empty, a dimension &lt; 1, or the opset out of range
     */
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

    /**
     * One float32 input of this shape, fixed batch, opset 17.
     *
     * @param shape the input's shape, e.g. 1, 3, 224, 224
     * @return the options
     */
    public static OnnxExportOptions input(long... shape) {
        return new OnnxExportOptions(List.<long[]>of(shape), false, false, DEFAULT_OPSET);
    }

    /**
     * These options with int64 inputs (token ids).
     *
     * @return the new options
     */
    public OnnxExportOptions withIntegerInputs() {
        return new OnnxExportOptions(inputShapes, true, dynamicBatch, opset);
    }

    /**
     * These options with a symbolic batch dimension.
     *
     * @return the new options
     */
    public OnnxExportOptions withDynamicBatch() {
        return new OnnxExportOptions(inputShapes, integerInputs, true, opset);
    }

    /**
     * These options with another opset.
     *
     * @param opset the ONNX opset, {@link #MIN_OPSET} to {@link #MAX_OPSET}
     * @return the new options
     */
    public OnnxExportOptions withOpset(int opset) {
        return new OnnxExportOptions(inputShapes, integerInputs, dynamicBatch, opset);
    }
}
