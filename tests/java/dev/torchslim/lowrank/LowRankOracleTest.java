package dev.torchslim.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Factorized real models (scripted ResNet, traced transformer, scripted twins) run in Python as in Java. */
@Tag("oracle")
class LowRankOracleTest {
    private static final Pattern PARAMS = Pattern.compile("\"params\": (\\d+)");

    @TempDir
    Path tmp;

    /** Saves the model, runs it in Python on x; checks Python's output and parameter count equal Java's. */
    private void runsInPythonAsInJava(ScriptModel model, Path x, String name) throws Exception {
        Path file = tmp.resolve(name + ".lowrank.pt");
        Path out = tmp.resolve(name + ".out.npy");
        model.save(file);
        String report = PythonOracle.run("graph_models.py", "run", file.toString(), x.toString(), out.toString());
        Tensor python = Npy.read(out);
        Tensor java = model.forward(Npy.read(x));
        assertTrue(python.sub(java).abs().max().item_double() < 1e-5, name + ": Python's output differs from Java's");
        Matcher m = PARAMS.matcher(report);
        assertTrue(m.find(), report);
        assertEquals(model.parameterCount(), Long.parseLong(m.group(1)), name + ": parameter count in Python");
    }

    @Test
    void scriptedResnetClassifierFactorizedRunsInPython() throws Exception {
        try (TensorScope scope = new TensorScope(); ScriptModel dense = ScriptModel.load(GraphModels.file("resnet", ".pt"));
             LowRankResult r = LowRank.apply(dense, RankPolicy.parseExplicit("fc:4"))) {
            assertEquals(1, r.factorizedLayers());
            assertEquals(dense.parameterCount() - 10 * 16 + 4 * 26, r.model().parameterCount());
            Tensor ref = Npy.read(GraphModels.file("resnet", ".ref.npy"));
            Tensor got = r.model().forward(Npy.read(GraphModels.file("resnet", ".x.npy")));
            assertTrue(got.sub(ref).abs().max().item_double() > 1e-6, "rank 4 of a 10x16 weight must change the output");
            runsInPythonAsInJava(r.model(), GraphModels.file("resnet", ".x.npy"), "resnet");
        }
    }

    @Test
    void tracedTransformerAtHalfBudgetRunsInPython() throws Exception {
        try (TensorScope scope = new TensorScope();
             ScriptModel dense = ScriptModel.load(GraphModels.file("transformer", ".pt"));
             LowRankResult r = LowRank.apply(dense, RankPolicy.budget(0.5))) {
            // proj 32x16, encoder.linear1 64x32, encoder.linear2 32x64, fc 6x32; out_proj is not a plain Linear
            assertEquals(4, r.factorizedLayers(), r.layers().toString());
            assertTrue(r.paramsAfter() <= r.paramsBefore() / 2);
            assertEquals(dense.parameterCount() - r.paramsBefore() + r.paramsAfter(), r.model().parameterCount());
            runsInPythonAsInJava(r.model(), GraphModels.file("transformer", ".x.npy"), "transformer");
            // nearly full energy: nearly the dense output
            try (LowRankResult fine = LowRank.apply(dense, RankPolicy.energy(0.999999))) {
                Tensor x = Npy.read(GraphModels.file("transformer", ".x.npy"));
                double err = fine.model().forward(x).sub(dense.forward(x)).abs().max().item_double();
                assertTrue(err < 1e-2, "energy 0.999999 changed the output by " + err);
            }
        }
    }

    @Test
    void linearsSharingOneClassAreFactorizedTogether() throws Exception {
        Path file = tmp.resolve("twins.pt");
        PythonOracle.run("lowrank_models.py", "twins", file.toString());
        try (TensorScope scope = new TensorScope(); ScriptModel dense = ScriptModel.load(file)) {
            try (LowRankResult one = LowRank.apply(dense, RankPolicy.explicit(Map.of("a", 2)))) {
                assertEquals(0, one.factorizedLayers());
                assertTrue(one.layers().get(0).reason().contains("shares its TorchScript class with 'b'"),
                        one.layers().get(0).reason());
            }
            try (LowRankResult both = LowRank.apply(dense, RankPolicy.explicit(Map.of("a", 2, "b", 3)))) {
                assertEquals(2, both.factorizedLayers());
                assertFalse(both.layers().get(2).factorized());
                Path x = tmp.resolve("twins.x.npy");
                Npy.write(x, torch.randn(4, 8));
                runsInPythonAsInJava(both.model(), x, "twins");
            }
        }
    }
}
