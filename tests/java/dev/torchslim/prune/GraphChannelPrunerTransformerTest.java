package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.RealModels;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole attention heads and feed-forward units of nn.TransformerEncoder (real_models.py: 2 layers,
 * 128 wide, 4 heads, FFN 256), scripted (fast-path checks and branches) and traced under no_grad
 * (the fused aten::_transformer_encoder_layer_fwd) or with gradients on (MultiheadAttention's general
 * path, heads folded into the batch dim), and an nn.MultiheadAttention called directly (its bmm/softmax
 * path, traced with gradients on): the plain-op rewrite gives the original's
 * outputs, heads leave as units of q, k, v rows and out_proj columns, and the pruned file loads
 * and runs in Python on the original input shape with the zeroed model's outputs.
 */
@Tag("oracle")
class GraphChannelPrunerTransformerTest {
    @TempDir
    Path tmp;

    static Path model(String name) {
        return RealModels.file(name);
    }

    private JsonNode check(Path ref, Path out, Path x) throws Exception {
        return RealModels.check(ref, out, x);
    }

    @ParameterizedTest
    @ValueSource(strings = {"transformer", "transformer.trace", "transformer.grad"})
    void headsAndFeedForwardUnitsLeaveAndPythonRunsTheResult(String name) throws Exception {
        Path file = model(name);
        Path xFile = file.resolveSibling(name + ".x.npy");
        try (TensorScope scope = new TensorScope(); ScriptModel m = ScriptModel.load(file)) {
            List<Tensor> example = List.of(TensorData.readNpy(xFile).narrow(0, 0, 2));
            GraphChannelPruner.Analysis a = GraphChannelPruner.analyse(m, example);
            for (String layer : List.of("encoder.layers.0", "encoder.layers.1")) {
                assertTrue(a.groups().stream().anyMatch(g -> g.units() == 4 && g.width() == 96
                        && g.layers().equals(List.of(layer + ".self_attn", layer + ".self_attn.out_proj"))), a.toString());
                assertTrue(a.groups().stream().anyMatch(g -> g.units() == 256
                        && g.layers().equals(List.of(layer + ".linear1", layer + ".linear2"))), a.toString());
            }
            // amount 0: the plain-op rewrite alone gives PyTorch's outputs; 0.5: the zeroed model's
            Pruned p = pruneAndCheck(name, file, xFile, m, example);
            GraphChannelPruner.Result r = p.result();
            assertTrue(r.changes().stream().anyMatch(c -> c.name().equals("encoder.layers.1.self_attn.in_proj_weight")
                    && c.before().equals(List.of(384L, 128L)) && c.after().equals(List.of(192L, 128L))), r.changes().toString());
            assertTrue(r.changes().stream().anyMatch(c -> c.name().equals("encoder.layers.0.self_attn.out_proj.weight")
                    && c.after().equals(List.of(128L, 64L))), r.changes().toString());
            JsonNode c = p.check();
            if (name.equals("transformer")) {  // a scripted MultiheadAttention keeps num_heads; it follows the heads left
                assertEquals("[2,2]", c.path("num_heads").toString(), c.toString());
            }

            // Without --ignore input: the residual stream starts at the model input, so it leaves too (every
            // Linear's input features, out_proj's and linear2's outputs, both norms, fc's inputs), and the
            // pruned forward reads the kept input features by one index_select.
            GraphChannelPruner.Group stream = a.groups().stream().filter(g -> g.layers().get(0).equals("input.0"))
                    .findFirst().orElseThrow(() -> new AssertionError(a.toString()));
            assertEquals(128, stream.units());
            assertTrue(stream.layers().containsAll(List.of("encoder.layers.0.norm1", "encoder.layers.1.norm2", "fc")),
                    stream.toString());
            GraphChannelPruner.Result all = GraphChannelPruner.prune(m, example, null, GraphChannelPruner.Options.of(Importance.L1, 0.5));
            assertEquals(List.of(new GraphChannelPruner.InputSelection("input.0", 2, 128, 64)), all.inputs());
            assertTrue(all.changes().stream().anyMatch(ch -> ch.name().equals("encoder.layers.1.self_attn.in_proj_weight")
                    && ch.after().equals(List.of(192L, 64L))), all.changes().toString());
            Path slimPt = tmp.resolve("slim.pt");
            try (ScriptModel slim = all.model()) {
                assertTrue(slim.parameterCount() <= 0.3 * m.parameterCount(),
                        name + ": params " + m.parameterCount() + " -> " + slim.parameterCount());
                slim.save(slimPt);
            }
            JsonNode runs = check(file, slimPt, xFile);  // the original [batch, 64, 128] input; outputs change
            assertTrue(runs.path("loads").asBoolean() && runs.path("runs").asBoolean(), runs.toString());
        }
    }

    @Test
    void headsOfAMultiheadAttentionTracedWithGradientsLeave() throws Exception {
        String name = "attention.grad";  // proj 32 -> 64, MultiheadAttention(64, 4) with need_weights, fc 64 -> 10
        Path file = model(name);
        Path xFile = file.resolveSibling(name + ".x.npy");
        try (TensorScope scope = new TensorScope(); ScriptModel m = ScriptModel.load(file)) {
            List<Tensor> example = List.of(TensorData.readNpy(xFile).narrow(0, 0, 2));
            GraphChannelPruner.Analysis a = GraphChannelPruner.analyse(m, example);
            assertTrue(a.groups().stream().anyMatch(g -> g.units() == 4 && g.width() == 48
                    && g.layers().equals(List.of("attn", "attn.out_proj"))), a.toString());
            GraphChannelPruner.Result r = pruneAndCheck(name, file, xFile, m, example).result();
            // two heads of four, and half of proj's 64 outputs (no norm: inside the invariant; the trace's
            // view of out_proj's output is sized by aten::size at run time, which follows)
            assertTrue(r.changes().stream().anyMatch(c -> c.name().equals("attn.in_proj_weight")
                    && c.before().equals(List.of(192L, 64L)) && c.after().equals(List.of(96L, 32L))), r.changes().toString());
            assertTrue(r.changes().stream().anyMatch(c -> c.name().equals("attn.out_proj.weight")
                    && c.after().equals(List.of(32L, 32L))), r.changes().toString());
        }
    }

    /** A pruning result and Python's comparison of the pruned file with the zeroed model. */
    private record Pruned(GraphChannelPruner.Result result, JsonNode check) {}

    /**
     * Amount 0 (the plain-op rewrite alone) gives PyTorch's outputs; amount 0.5 removes at least 40% of
     * the parameters, and Python loads and runs the pruned file with the zeroed model's outputs.
     */
    private Pruned pruneAndCheck(String name, Path file, Path xFile, ScriptModel m, List<Tensor> example) throws Exception {
        GraphChannelPruner.Result same = GraphChannelPruner.prune(m, example, null, GraphChannelPruner.Options.of(Importance.L1, 0));
        Path samePt = tmp.resolve("same.pt");
        try (ScriptModel s = same.model()) {
            s.save(samePt);
        }
        JsonNode c0 = check(file, samePt, xFile);
        assertTrue(c0.path("runs").asBoolean() && c0.path("max_error_of_range").asDouble(1) <= 1e-5, c0.toString());

        // the encoders' residual stream passes LayerNorms (outside the zero-channel invariant): kept here
        GraphChannelPruner.Options o = GraphChannelPruner.Options.of(Importance.L1, 0.5).withIgnore(List.of("input"));
        GraphChannelPruner.Result r = GraphChannelPruner.prune(m, example, null, o);
        Path prunedPt = tmp.resolve("pruned.pt");
        Path zeroedPt = tmp.resolve("zeroed.pt");
        try (ScriptModel pruned = r.model(); ScriptModel zeroed = GraphChannelPruner.zeroChosen(m, example, null, o)) {
            assertTrue(pruned.parameterCount() <= 0.6 * m.parameterCount(),
                    name + ": params " + m.parameterCount() + " -> " + pruned.parameterCount());
            pruned.save(prunedPt);
            zeroed.save(zeroedPt);
        }
        JsonNode c = check(zeroedPt, prunedPt, xFile);
        assertTrue(c.path("loads").asBoolean() && c.path("runs").asBoolean(), c.toString());
        assertEquals(1.0, c.path("argmax_agreement").asDouble(), c.toString());
        assertTrue(c.path("max_error_of_range").asDouble(1) <= 1e-5, c.toString());
        return new Pruned(r, c);
    }
}
