package dev.torchslim.cli;

import dev.torchslim.core.ModelFiles;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.OutputFiles;
import dev.torchslim.export.OnnxExportOptions;
import dev.torchslim.export.OnnxExporter;
import dev.torchslim.graph.ScriptModel;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** ./torchslim export: a TorchScript file (float or TorchSlim int8) in, an ONNX file for ONNX Runtime out. */
public final class ExportCommand implements Command {
    @Override
    public String name() {
        return "export";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "export --in MODEL.pt --out MODEL.onnx [--input 1,3,224,224[:1,16]] [--ids] [--dynamic-batch] [--opset 17]",
                "       [--json REPORT.json]",
                "  Writes the model's forward as ONNX (fp32, or QDQ int8 for models from 'quantize --mode static|qat',",
                "  DynamicQuantizeLinear + MatMulInteger for 'quantize --mode dynamic'); ONNX Runtime runs it,",
                "  on Android too (onnxruntime-android).",
                "  --input          the shape of each forward input, ':' between inputs (default 1,3,224,224);",
                "                   the model runs once on it and shape arithmetic becomes constants",
                "  --ids            the inputs are int64 token ids (BERT-like models), not float32",
                "  --dynamic-batch  dim 0 of inputs and outputs stays symbolic ('batch') in the file",
                "  --opset          ONNX opset, " + OnnxExportOptions.MIN_OPSET + " to " + OnnxExportOptions.MAX_OPSET
                        + " (default " + OnnxExportOptions.DEFAULT_OPSET + ")",
                "  An op without an ONNX mapping stops the export with its name and node; nothing is written then.");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args args = Args.parse(argv, Set.of("in", "out", "input", "opset", "json"), Set.of("dynamic-batch", "ids", "force"));
        Path in = Paths.get(args.require("in"));
        Path out = Paths.get(args.require("out"));
        OutputFiles.check(in, out, args.flag("force"));
        ModelFiles.requireTorchScript(in);
        JsonReport report = JsonReport.of(args, name(), in, out);
        List<long[]> shapes = parseShapes(args.get("input", "1,3,224,224"));
        int opset = args.intValue("opset", OnnxExportOptions.DEFAULT_OPSET, OnnxExportOptions.MIN_OPSET,
                OnnxExportOptions.MAX_OPSET);
        OnnxExportOptions options = new OnnxExportOptions(shapes, args.flag("ids"), args.flag("dynamic-batch"), opset);
        NativeLibrary.ensureLoaded();
        try (ScriptModel model = ScriptModel.load(in)) {
            OnnxExporter.Result r = OnnxExporter.export(model, options, out);
            Map<String, Integer> ops = new TreeMap<>(r.onnxOps());
            System.out.printf("%s -> %s: %d bytes, opset %d, %d ONNX nodes%n", in, out, r.bytes(), opset,
                    ops.values().stream().mapToInt(Integer::intValue).sum());
            System.out.println("  " + ops);
            report.put("input", in.toString()).put("output", out.toString()).put("opset", opset)
                    .put("input_shapes", shapes.stream().map(java.util.Arrays::toString).toList())
                    .put("token_ids", args.flag("ids")).put("dynamic_batch", args.flag("dynamic-batch"))
                    .put("bytes", r.bytes()).put("onnx_ops", ops);
            report.write(System.out, null);
        }
        return 0;
    }

    static List<long[]> parseShapes(String text) {
        List<long[]> shapes = new ArrayList<>();
        for (String one : text.split(":")) {
            String[] parts = one.split(",");
            long[] s = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    s[i] = Long.parseLong(parts[i].trim());
                } catch (NumberFormatException e) {
                    throw new UsageException("--input " + text + ": '" + parts[i] + "' is not a dimension (e.g. 1,3,224,224)");
                }
                if (s[i] < 1) {
                    throw new UsageException("--input " + text + ": dimensions must be >= 1");
                }
            }
            shapes.add(s);
        }
        return shapes;
    }
}
