package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Structural pruning on the real architectures of graph_models.py: the groups found, and the
 * removal invariant checked in Python: the pruned file equals the same model with the chosen
 * channels zeroed (residual adds, depthwise convs, BatchNorm, squeeze-excite, flatten, Linear
 * chains), and it loads and runs in Python with the original input shape.
 */
@Tag("oracle")
class GraphChannelPrunerTest {
    @TempDir
    Path tmp;

    static double relativeError(Tensor got, Tensor want) {
        double range = want.abs().max().item_double();
        return got.sub(want).abs().max().item_double() / range;
    }

    private Tensor runInPython(ScriptModel m, String name, String tag) throws Exception {
        Path file = tmp.resolve(name + "." + tag + ".pt");
        m.save(file);
        Path out = tmp.resolve(name + "." + tag + ".out.npy");
        String info = PythonOracle.run("graph_models.py", "run", file.toString(),
                GraphModels.file(name, ".x.npy").toString(), out.toString());
        assertTrue(Files.exists(out), info);
        return Npy.read(out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet", "depthwise", "mbconv", "transformer", "features"})
    void removedChannelsEqualZeroedChannelsInPython(String name) throws Exception {
        try (TensorScope scope = new TensorScope(); ScriptModel model = ScriptModel.load(GraphModels.file(name, ".pt"))) {
            Tensor x = TensorData.readNpy(GraphModels.file(name, ".x.npy"));
            // Two rows shape the analysis; Python then runs the files on all eight.
            List<Tensor> example = List.of(x.narrow(0, 0, 2));
            GraphChannelPruner.Analysis a = GraphChannelPruner.analyse(model, example);
            assertTrue(!a.groups().isEmpty(), name + " has no prunable group");
            GraphChannelPruner.Options o = GraphChannelPruner.Options.of(Importance.L1, 0.5);
            if (name.equals("transformer")) {
                // its residual stream passes LayerNorms, whose statistics change when a channel leaves:
                // outside the invariant (tested below on its own); heads and feed-forward units are inside
                o = o.withIgnore(List.of("proj"));
            }
            GraphChannelPruner.Result r = GraphChannelPruner.prune(model, example, null, o);
            if (name.equals("features")) {  // the residual stream starts at the input: half its features are read
                assertEquals(List.of(new GraphChannelPruner.InputSelection("input.0", 2, 16, 8)), r.inputs());
            } else {
                assertEquals(List.of(), r.inputs(), name + ": an image's or a projection's input channels stay");
            }
            try (ScriptModel pruned = r.model();
                 ScriptModel zeroed = GraphChannelPruner.zeroChosen(model, example, null, o)) {
                assertTrue(pruned.parameterCount() < model.parameterCount() * 0.85,
                        name + ": params " + model.parameterCount() + " -> " + pruned.parameterCount());
                assertEquals(model.parameterCount(), zeroed.parameterCount());
                assertTrue(!r.changes().isEmpty());
                Tensor want = runInPython(zeroed, name, "zeroed");
                Tensor got = runInPython(pruned, name, "pruned");
                assertEquals(8, got.size(0));
                double err = relativeError(got, want);
                assertTrue(err <= 1e-5, name + ": pruned differs from zeroed by " + err + " of the range");
                assertTrue(relativeError(pruned.forward(x), want) <= 1e-5, name + ": Java run of the pruned model");
            }
        }
    }

    @Test
    void groupsFollowResidualsAndHeadsOfDepthwiseBlocks() {
        try (TensorScope scope = new TensorScope();
             ScriptModel resnet = ScriptModel.load(GraphModels.file("resnet", ".pt"));
             ScriptModel depthwise = ScriptModel.load(GraphModels.file("depthwise", ".pt"))) {
            Tensor x = TensorData.readNpy(GraphModels.file("resnet", ".x.npy")).narrow(0, 0, 2);
            GraphChannelPruner.Analysis a = GraphChannelPruner.analyse(resnet, List.of(x));
            // the residual stream: stem, both blocks' second convs and BNs, and fc's inputs in one group
            GraphChannelPruner.Group stream = a.groups().get(0);
            assertTrue(stream.layers().containsAll(List.of("stem.0", "layer1.0.bn2", "layer1.1.bn2", "fc")),
                    stream.toString());
            assertEquals(3, a.groups().size(), a.toString());
            GraphChannelPruner.Analysis d = GraphChannelPruner.analyse(depthwise, List.of(x));
            // an inverted residual's expansion: 1x1 conv, depthwise conv and their BNs, projection inputs
            assertTrue(d.groups().stream().anyMatch(g -> g.layers().containsAll(
                    List.of("blocks.0.conv.0.0", "blocks.0.conv.1.0", "blocks.0.conv.2"))), d.toString());
        }
    }

    @Test
    void lstmChannelsAreFixedAndSaidWhy() {
        try (TensorScope scope = new TensorScope(); ScriptModel lstm = ScriptModel.load(GraphModels.file("lstm", ".pt"))) {
            Tensor x = TensorData.readNpy(GraphModels.file("lstm", ".x.npy"));
            GraphChannelPruner.Analysis a = GraphChannelPruner.analyse(lstm, List.of(x));
            assertTrue(a.groups().isEmpty(), a.toString());
            assertTrue(a.fixed().stream().anyMatch(f -> f.reason().contains(" in lstm (no channel handler)")), a.fixed().toString());
        }
    }

    @Test
    void transformerPrunesItsHeadsFeedForwardAndResidualStreamAndSaysWhatStays() throws Exception {
        // traced with gradients on: MultiheadAttention's general path, heads folded into the batch dim; the
        // trace sizes its output view by aten::size of out_proj's output, which follows the channels left
        try (TensorScope scope = new TensorScope();
             ScriptModel m = ScriptModel.load(GraphModels.file("transformer", ".pt"))) {
            Tensor x = TensorData.readNpy(GraphModels.file("transformer", ".x.npy"));
            GraphChannelPruner.Analysis a = GraphChannelPruner.analyse(m, List.of(x));
            assertTrue(a.groups().stream().anyMatch(g -> g.layers().equals(List.of("encoder.linear1", "encoder.linear2"))),
                    a.toString());
            assertTrue(a.groups().stream().anyMatch(g -> g.units() == 4 && g.width() == 24
                    && g.layers().equals(List.of("encoder.self_attn", "encoder.self_attn.out_proj"))), a.toString());
            GraphChannelPruner.Group stream = a.groups().stream().filter(g -> g.units() == 32 && g.layers().containsAll(
                    List.of("proj", "encoder.self_attn.out_proj", "encoder.norm1", "encoder.linear2", "encoder.norm2", "fc")))
                    .findFirst().orElseThrow(() -> new AssertionError(a.toString()));
            assertEquals(List.of(new GraphChannelPruner.Fixed(16, "model input"), new GraphChannelPruner.Fixed(6, "model output")),
                    a.fixed(), "the features proj reads, and the logits");
            GraphChannelPruner.Result r = GraphChannelPruner.prune(m, List.of(x), null, GraphChannelPruner.Options.of(Importance.L1, 0.5));
            try (ScriptModel pruned = r.model()) {
                assertEquals(16, r.unitsBeforeAfter().get(stream.id())[1]);
                assertTrue(r.changes().stream().anyMatch(c -> c.name().equals("encoder.norm1.weight")
                        && c.after().equals(List.of(16L))), r.changes().toString());
                Tensor got = runInPython(pruned, "transformer", "stream");  // the original [8, 8, 16] input
                assertEquals(List.of(8L, 6L), List.of(got.size(0), got.size(1)));
            }
        }
    }

    @Test
    void thePrunedModelFineTunesLikeTheOriginal() {
        try (TensorScope scope = new TensorScope();
             ScriptModel m = ScriptModel.load(GraphModels.file("resnet", ".pt"))) {
            List<Tensor> x = List.of(TensorData.readNpy(GraphModels.file("resnet", ".x.npy")).narrow(0, 0, 2));
            GraphChannelPruner.Result r = GraphChannelPruner.prune(m, x, null, GraphChannelPruner.Options.of(Importance.L1, 0.5));
            try (ScriptModel slim = r.model()) {
                for (Tensor p : slim.parameters()) {
                    org.junit.jupiter.api.Assertions.assertTrue(p.requires_grad(),
                            "a pruned parameter no longer takes gradients, as its source did");
                }
            }
        }
    }

    @Test
    void ignoredLayersAndRatiosAndImportances() {
        try (TensorScope scope = new TensorScope();
             ScriptModel m = ScriptModel.load(GraphModels.file("resnet", ".pt"))) {
            List<Tensor> x = List.of(TensorData.readNpy(GraphModels.file("resnet", ".x.npy")).narrow(0, 0, 2));
            for (Importance imp : List.of(Importance.L1, Importance.L2, Importance.BN, Importance.RANDOM)) {
                GraphChannelPruner.Options o = GraphChannelPruner.Options.of(imp, 0.5).withIgnore(List.of("fc"));
                GraphChannelPruner.Result r = GraphChannelPruner.prune(m, x, null, o);
                try (ScriptModel p = r.model()) {
                    assertEquals(16, r.unitsBeforeAfter().get(0)[1], imp + ": the group touching fc is ignored");
                    assertEquals(8, r.unitsBeforeAfter().get(1)[1], imp.id());
                }
            }
            GraphChannelPruner.Options o = GraphChannelPruner.Options.of(Importance.L1, 0.5).withRatios(Map.of(1, 0.25, 2, 1.0));
            GraphChannelPruner.Result r = GraphChannelPruner.prune(m, x, null, o);
            try (ScriptModel p = r.model()) {
                assertEquals(12, r.unitsBeforeAfter().get(1)[1]);
                assertEquals(1, r.unitsBeforeAfter().get(2)[1], "at least one channel stays");
            }
            Map<Integer, double[]> imp = GraphChannelPruner.importance(m, x, null, Importance.L1, 0);
            assertEquals(16, imp.get(0).length);
            TensorData data = TensorData.load(GraphModels.file("resnet", ".data.pt"));
            List<Tensor> batch = List.of(data.x().narrow(0, 0, 16));
            Map<Integer, double[]> taylor = GraphChannelPruner.importance(m, batch, data.y().narrow(0, 0, 16), Importance.TAYLOR, 0);
            assertTrue(java.util.Arrays.stream(taylor.get(1)).allMatch(v -> v >= 0)
                    && java.util.Arrays.stream(taylor.get(1)).anyMatch(v -> v > 0), java.util.Arrays.toString(taylor.get(1)));
            assertThrows(RuntimeException.class, () -> GraphChannelPruner.importance(m, x, null, Importance.TAYLOR, 0));
            assertThrows(IllegalArgumentException.class, () -> Importance.of("l3"));
            assertEquals(Importance.TAYLOR, Importance.of("Taylor"));
            assertThrows(IllegalArgumentException.class, () -> GraphChannelPruner.Options.of(Importance.L1, 1.5));
        }
    }
}
