package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.torchslim.core.TensorScope;
import dev.torchslim.export.OnnxRuntimeModel;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./torchslim compress: a recipe over the oracle residual CNN, every file checked in Python / ONNX Runtime. */
@Tag("oracle")
class CompressCommandTest {
    @TempDir
    Path dir;

    private Path recipe(String text) throws Exception {
        Files.copy(GraphModels.file("resnet", ".pt"), dir.resolve("resnet.pt"));
        Files.copy(GraphModels.file("resnet", ".data.pt"), dir.resolve("train.pt"));
        Path r = dir.resolve("recipe.json");
        Files.writeString(r, text);
        return r;
    }

    @Test
    void pruneFinetuneQuantizeExportWritesEveryFileAndAReport() throws Exception {
        Path r = recipe("""
                {"model": "resnet.pt", "data": "train.pt", "eval": "train.pt", "report": "report.json",
                 "steps": [{"step": "prune", "method": "l1", "amount": 0.5},
                           {"step": "finetune", "epochs": 2, "batch": 16, "loss": "ce"},
                           {"step": "quantize", "mode": "static", "calib": 4, "batch": 16, "out": "int8.pt"},
                           {"step": "export", "input": "1,3,16,16", "dynamic-batch": true}]}
                """);
        assertEquals(0, Main.run(new String[] {"compress", "--recipe", r.toString()}));
        JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        JsonNode steps = report.get("steps");
        assertEquals(4, steps.size(), report.toString());
        List<String> kinds = List.of("prune", "finetune", "quantize", "export");
        List<Path> files = List.of(dir.resolve("resnet.1-prune.pt"), dir.resolve("resnet.2-finetune.pt"), dir.resolve("int8.pt"),
                dir.resolve("resnet.4-export.onnx"));
        long inputParams = report.get("input").get("params").asLong();
        for (int i = 0; i < 4; i++) {
            JsonNode s = steps.get(i);
            assertEquals(kinds.get(i), s.get("kind").asText());
            assertEquals(files.get(i).toString(), s.get("file").asText());
            assertEquals(Files.size(files.get(i)), s.get("bytes").asLong());
            assertTrue(s.get("seconds").asDouble() >= 0);
            if (i < 3) {
                assertTrue(s.get("metric").asDouble() >= 0 && s.get("metric").asDouble() <= 100, s.toString());
                assertEquals("accuracy %", s.get("metricName").asText());
            }
        }
        assertEquals(inputParams, steps.get(0).get("params").asLong());
        assertTrue(steps.get(0).get("nonzeroParams").asLong() < 0.6 * inputParams, "half the weights pruned: " + report);
        assertTrue(steps.get(1).get("nonzeroParams").asLong() < 0.6 * inputParams, "fine-tuning keeps the masks: " + report);
        assertTrue(steps.get(2).get("bytes").asLong() < steps.get(1).get("bytes").asLong(), "int8 is smaller");
        try (TensorScope scope = new TensorScope()) {
            Path x = GraphModels.file("resnet", ".x.npy");
            Tensor xs = Npy.read(x);
            for (Path pt : files.subList(0, 3)) {
                Path out = dir.resolve(pt.getFileName() + ".py.npy");
                PythonOracle.run("graph_models.py", "run", pt.toString(), x.toString(), out.toString());
                try (ScriptModel m = ScriptModel.load(pt)) {
                    double err = m.forward(xs).sub(Npy.read(out)).abs().max().item_double();
                    assertTrue(err < 1e-4, pt.getFileName() + ": Python's output differs by " + err);
                }
            }
            Tensor ort;
            try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(files.get(3), 1)) {
                ort = onnx.forward(xs);
            }
            try (ScriptModel q = ScriptModel.load(files.get(2))) {
                Tensor want = q.forward(xs);
                assertEquals(List.of(8L, 10L), List.of(ort.size(0), ort.size(1)));
                double err = ort.sub(want).abs().max().item_double() / Math.max(1e-6, want.abs().max().item_double());
                assertTrue(err < 0.25, "ONNX Runtime's int8 output is far from the int8 TorchScript's: " + err);
            }
        }
    }

    @Test
    void badRecipesFailBeforeAnyStepNamingStepAndField() throws Exception {
        Path r = recipe("{}");
        String[][] cases = {
            {"{\"model\": \"resnet.pt\", \"steps\": [{\"step\": \"prune\", \"method\": \"l1\", \"amount\": 0.5},"
                    + " {\"step\": \"finetune\", \"epochs\": \"two\"}]}", "step 2 (finetune)", "epochs"},
            {"{\"model\": \"resnet.pt\", \"steps\": [{\"step\": \"prune\", \"method\": \"l1\", \"amount\": 0.5},"
                    + " {\"step\": \"finetune\"}]}", "step 2 (finetune)", "data"},
            {"{\"model\": \"resnet.pt\", \"steps\": [{\"step\": \"shrink\"}]}", "step 1", "step"},
            {"{\"model\": \"resnet.pt\", \"steps\": [{\"step\": \"prune\", \"method\": \"l1\", \"amount\": 1.5}]}",
                "step 1 (prune)", "amount"},
            {"{\"model\": \"resnet.pt\", \"steps\": [{\"step\": \"quantize\", \"mode\": \"int3\"}]}", "step 1 (quantize)", "mode"},
            {"{\"model\": \"resnet.pt\", \"steps\": [{\"step\": \"lowrank\", \"energy\": 0.9, \"colour\": 1}]}",
                "step 1 (lowrank)", "colour"},
            {"{\"model\": \"resnet.pt\", \"steps\": [{\"step\": \"prune\", \"method\": \"l1\", \"amount\": 0.5, \"out\": \"a.pt\"},"
                    + " {\"step\": \"finetune\", \"data\": \"train.pt\", \"out\": \"a.pt\"}]}", "step 2 (finetune)", "out"},
            {"{\"model\": \"missing.pt\", \"steps\": [{\"step\": \"export\"}]}", "field 'model'", "model"},
            {"{\"model\": \"resnet.pt\", \"steps\": [{\"step\": \"distill\", \"data\": \"train.pt\", \"hint\": \"layer1\"}]}",
                "step 1 (distill)", "hint"},
        };
        for (String[] c : cases) {
            Files.writeString(r, c[0]);
            RecipeException e = assertThrows(RecipeException.class, () -> Recipe.load(r), c[0]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains(c[2]), e.getMessage());
            assertEquals(c[2], e.field(), e.getMessage());
            assertEquals(2, Main.run(new String[] {"compress", "--recipe", r.toString()}), c[0]);
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of("recipe.json", "resnet.pt", "train.pt"),
                        files.map(p -> p.getFileName().toString()).sorted().toList(), "a bad recipe writes nothing");
            }
        }
        assertFalse(Files.exists(dir.resolve("resnet.report.json")));
    }
}
