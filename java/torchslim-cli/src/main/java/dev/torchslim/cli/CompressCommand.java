package dev.torchslim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.torchslim.core.AtomicFiles;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.distill.TeacherLogits;
import dev.torchslim.graph.ScriptModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ./torchslim compress --recipe recipe.json: the steps of a {@link Recipe} in order, each through
 * the same command the CLI runs for it (in this process), each writing its file; then a JSON
 * report with, per step, the file, parameters, file size, the metric on the recipe's eval data
 * and the time.
 */
public final class CompressCommand implements Command {
    private static final Map<String, Command> COMMANDS = Map.of("prune", new PruneCommand(), "lowrank", new LowRankCommand(),
            "distill", new DistillCommand(), "finetune", new FinetuneCommand(), "quantize", new QuantizeCommand(),
            "export", new ExportCommand());

    @Override
    public String name() {
        return "compress";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "compress --recipe RECIPE.json",
                "  Runs a chain of steps on a model with your data; each step writes its own file and a JSON",
                "  report lists every step's file, parameters, size, metric and time. RECIPE.json:",
                "    {\"model\": \"m.pt\", \"data\": \"train.pt\", \"eval\": \"test.pt\", \"dir\": \"out\", \"report\": \"report.json\",",
                "     \"steps\": [{\"step\": \"prune\", \"method\": \"channel\", \"amount\": 0.5},",
                "               {\"step\": \"finetune\", \"epochs\": 1},",
                "               {\"step\": \"quantize\", \"mode\": \"static\", \"out\": \"int8.pt\"},",
                "               {\"step\": \"export\", \"input\": \"1,3,32,32\"}]}",
                "  Steps: prune, lowrank, distill, finetune, quantize, export; their fields are the options of the",
                "  command of the same name (without --in/--out; switches as true/false; lists as JSON lists).",
                "  'data' is the default --data of finetune, distill, quantize static/qat and channel pruning;",
                "  distill's teacher defaults to the recipe's model. 'out' names a step's file (in 'dir'), else",
                "  <model>.<N>-<step>.pt (.onnx for export). Paths are relative to the recipe's directory.",
                "  The metric (with 'eval' {'x', 'y'}): accuracy % for class targets, else mean squared error.",
                "  The whole recipe is checked before the first step runs; an error names the step and field.");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args args = Args.parse(argv, Set.of("recipe"), Set.of());
        Path file = Paths.get(args.require("recipe"));
        if (!Files.isRegularFile(file)) {
            throw new UsageException(file + " is not a file");
        }
        Recipe recipe = Recipe.load(file);
        NativeLibrary.ensureLoaded();
        TensorData eval = recipe.eval() == null ? null : TensorData.load(recipe.eval());
        ObjectMapper json = new ObjectMapper();
        ObjectNode report = json.createObjectNode();
        report.put("recipe", file.toString());
        report.put("model", recipe.model().toString());
        report.set("input", measure(json, recipe.model(), false, eval));
        ArrayNode steps = report.putArray("steps");
        long total = System.nanoTime();
        for (Recipe.Step s : recipe.steps()) {
            System.out.printf("%n== %s: %s -> %s%n", s.label(), s.in().getFileName(), s.out());
            List<String> cmd = new ArrayList<>(List.of("--in", s.in().toString(), "--out", s.out().toString()));
            if (s.kind().equals("distill")) {
                cmd = new ArrayList<>(List.of("--student", s.in().toString(), "--out", s.out().toString()));
            }
            cmd.addAll(s.options());
            long t0 = System.nanoTime();
            int rc = COMMANDS.get(s.kind()).run(cmd.toArray(new String[0]));
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (rc != 0 || !Files.isRegularFile(s.out())) {
                throw new IllegalStateException(file + ": " + s.label() + " failed (exit " + rc + "); the files of the steps"
                        + " before it are kept, no report is written");
            }
            ObjectNode row = measure(json, s.out(), s.writesOnnx(), eval);
            row.put("step", s.index());
            row.put("kind", s.kind());
            row.putPOJO("options", s.options());
            row.put("seconds", Math.round(seconds * 1000) / 1000.0);
            steps.add(reorder(json, row));
        }
        report.put("seconds", Math.round((System.nanoTime() - total) / 1e6) / 1000.0);
        String text = json.writerWithDefaultPrettyPrinter().writeValueAsString(report);
        AtomicFiles.write(recipe.report(), tmp -> Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8));
        System.out.printf("%nwrote %d steps; report %s%n", recipe.steps().size(), recipe.report());
        return 0;
    }

    private static ObjectNode reorder(ObjectMapper json, ObjectNode row) {
        ObjectNode out = json.createObjectNode();
        for (String k : List.of("step", "kind", "file", "bytes", "params", "nonzeroParams", "stateBytes", "metric", "metricName", "seconds", "options")) {
            if (row.has(k)) {
                out.set(k, row.get(k));
            }
        }
        return out;
    }

    // File, size, parameters and metric of a written model (ONNX files: file and size only).
    private static ObjectNode measure(ObjectMapper json, Path file, boolean onnx, TensorData eval) throws IOException {
        ObjectNode row = json.createObjectNode();
        row.put("file", file.toString());
        row.put("bytes", Files.size(file));
        if (onnx) {
            row.putNull("params");
            row.putNull("nonzeroParams");
            row.putNull("metric");
            return row;
        }
        try (ScriptModel m = ScriptModel.load(file); TensorScope scope = new TensorScope()) {
            row.put("params", m.parameterCount());
            row.put("nonzeroParams", m.nonzeroParameterCount());
            row.put("stateBytes", m.stateBytes());
            if (eval == null) {
                row.putNull("metric");
                return row;
            }
            Tensor out = TeacherLogits.compute(m, eval.x(), 256);
            Tensor y = eval.hasTargets() ? eval.y() : null;
            boolean classes = y != null && y.dim() == 1 && out.dim() == 2 && !y.is_floating_point();
            if (classes) {
                double acc = out.argmax(new LongOptional(1), false).eq(y).to(torch.ScalarType.Double).mean().item_double() * 100;
                row.put("metric", Math.round(acc * 1000) / 1000.0);
                row.put("metricName", "accuracy %");
            } else if (y != null) {
                row.put("metric", torch.mse_loss(out.to(torch.ScalarType.Float), y.to(torch.ScalarType.Float)).item_double());
                row.put("metricName", "mse");
            } else {
                row.putNull("metric");
            }
        }
        return row;
    }
}
