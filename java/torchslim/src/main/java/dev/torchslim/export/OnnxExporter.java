package dev.torchslim.export;

import dev.torchslim.core.AtomicFiles;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.jni.ExportApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Writes a TorchScript model (float, or TorchSlim's int8 results) as an ONNX file that ONNX Runtime
 * runs, on servers and on Android. LibTorch has no ONNX exporter: the model's frozen forward graph is
 * described by native/src/export/describe.cpp and each op is mapped by its entry in {@link OnnxOps}.
 * An op without a mapping fails with {@link UnsupportedOpException} naming the op and the node; no
 * file is written then.
 */
public final class OnnxExporter {
    private OnnxExporter() {}

    /**
     * What was written: the file, its size, and how many nodes of each ONNX op it has.
     *
     * @param file the ONNX file
     * @param bytes its size in bytes
     * @param onnxOps ONNX op type -> number of nodes of that type
     */
    public record Result(Path file, long bytes, Map<String, Integer> onnxOps) {}

    /**
     * Exports model's forward as an ONNX file (written to a temp file, then moved to out).
     *
     * @param model the model to export
     * @param options the input shapes and types, batch and opset
     * @param out the ONNX file to write
     * @return the file, its size and its op counts
     * @throws UnsupportedOpException if an op has no ONNX mapping (nothing is written then)
     * @throws java.io.UncheckedIOException if the graph cannot be described or the file written
     */
    public static Result export(ScriptModel model, OnnxExportOptions options, Path out) {
        if (model == null || options == null || out == null) {
            throw new IllegalArgumentException("model, options and out must not be null");
        }
        byte[] onnx;
        Lowering lowering;
        long batch = options.inputShapes().get(0)[0];
        try {
            GraphDescription d = describe(model, options);
            lowering = new Lowering(options, batch);
            lowering.run(d);
            onnx = lowering.g.encode(options.opset(), TorchSlim.version());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            AtomicFiles.write(out, tmp -> Files.write(tmp, onnx));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Result(out, onnx.length, Map.copyOf(lowering.g.opCounts()));
    }

    private static GraphDescription describe(ScriptModel model, OnnxExportOptions options) throws IOException {
        Path tmp = Files.createTempFile("torchslim-graph", ".bin");
        List<Tensor> keep = new ArrayList<>();
        try (TensorVector examples = examples(options, 0, keep);
                TensorVector next = options.dynamicBatch() ? examples(options, 1, keep) : new TensorVector();
                ScriptModel.Use use = model.use()) {
            ExportApi.describe_for_export(model.handle(), examples, next, tmp.toString());
            return new GraphDescription(Files.readAllBytes(tmp));
        } finally {
            for (Tensor t : keep) {
                t.close();
            }
            Files.deleteIfExists(tmp);
        }
    }

    private static TensorVector examples(OnnxExportOptions options, int extraRows, List<Tensor> keep) {
        TensorVector v = new TensorVector();
        for (long[] shape : options.inputShapes()) {
            long[] s = shape.clone();
            s[0] += extraRows;
            Tensor t;
            if (options.integerInputs()) {
                try (Tensor z = torch.zeros(s)) {
                    t = z.to(torch.ScalarType.Long);
                }
            } else {
                t = torch.rand(s);
            }
            keep.add(t);
            v.push_back(t);
        }
        return v;
    }
}
