package dev.torchslim.lowrank;

import dev.torchslim.sensitivity.SelectionMethod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.PythonOracle;
import dev.torchslim.train.Loss;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sensitivity and greedy selection on the oracle's scripted residual CNN, with 256 random inputs labelled
 * by the dense model itself (teacher labels): the budget is met, the parameters fall as selected, and
 * greedy's measured loss is no higher than uniform ranks' at the same budget.
 */
@Tag("oracle")
class SensitivityTest {
    @TempDir
    Path tmp;

    @Test
    void greedyMeetsTheBudgetWithNoMoreLossThanUniformRanks() throws Exception {
        Path model = GraphModels.file("resnet", ".pt");
        Path dataFile = tmp.resolve("teacher.pt");
        PythonOracle.run("lowrank_models.py", "teacher", model.toString(), dataFile.toString(), "256");
        TensorData data = TensorData.load(dataFile);
        for (ConvFactorization kind : List.of(ConvFactorization.SPATIAL, ConvFactorization.TUCKER)) {
            LowRankConfig config = LowRankConfig.defaults().withConv(kind).withMethod(SvdMethod.EXACT);
            try (TensorScope scope = new TensorScope(); ScriptModel dense = ScriptModel.load(model)) {
                Sensitivity.Table t = Sensitivity.measure(dense, data, Loss.CE, config, Sensitivity.DEFAULT_FRACTIONS, 64);
                assertEquals(Sensitivity.loss(dense, data, Loss.CE, 64), t.baseLoss(), 1e-9, "the model must be left as it was");
                // stem.0 (16x3x3x3), four 16x16x3x3 convs in two blocks, fc 10x16
                assertEquals(List.of("fc", "stem.0", "layer1.0.conv1", "layer1.0.conv2", "layer1.1.conv1", "layer1.1.conv2"),
                        t.layers().stream().map(Sensitivity.Layer::name).toList());
                Sensitivity.Kind convKind = kind == ConvFactorization.SPATIAL ? Sensitivity.Kind.SPATIAL : Sensitivity.Kind.TUCKER;
                for (Sensitivity.Layer l : t.layers()) {
                    assertEquals(l.name().equals("fc") ? Sensitivity.Kind.LINEAR : convKind, l.kind(), l.toString());
                    List<Sensitivity.Point> ps = t.of(l.name());
                    assertTrue(!ps.isEmpty() && ps.stream().allMatch(p -> p.params() < l.denseParams()), l.toString());
                }
                // Lowest ranks hurt more than the highest on this model (teacher labels: the dense loss is the floor).
                Sensitivity.Point low = t.of("layer1.0.conv1").get(0);
                Sensitivity.Point high = t.of("layer1.0.conv1").get(t.of("layer1.0.conv1").size() - 1);
                assertTrue(low.loss() > high.loss(), low + " vs " + high);

                Sensitivity.Selection greedy = Sensitivity.greedy(t, 0.5);
                Sensitivity.Selection uniform = Sensitivity.uniform(t, 0.5);
                assertTrue(greedy.budgetMet() && uniform.budgetMet(), greedy + " / " + uniform);
                assertEquals(SelectionMethod.GREEDY, greedy.method());
                assertTrue(Double.isNaN(greedy.setting()), greedy.toString());
                assertEquals(SelectionMethod.UNIFORM, uniform.method());
                double setting = uniform.setting();
                assertTrue(java.util.Arrays.stream(t.fractions()).anyMatch(f -> f == setting), uniform.toString());
                assertEquals("uniform " + setting, uniform.how());
                assertTrue(greedy.paramsAfter() <= 0.5 * greedy.paramsBefore(), greedy.toString());
                try (LowRankResult g = LowRank.apply(dense, greedy.policy(), config);
                     LowRankResult u = LowRank.apply(dense, uniform.policy(), config)) {
                    assertEquals(greedy.paramsBefore() - greedy.paramsAfter(), g.paramsBefore() - g.paramsAfter(),
                            "the model must save what the selection says");
                    assertEquals(dense.parameterCount() - g.paramsBefore() + g.paramsAfter(), g.model().parameterCount());
                    double gl = Sensitivity.loss(g.model(), data, Loss.CE, 64);
                    double ul = Sensitivity.loss(u.model(), data, Loss.CE, 64);
                    System.out.printf("sensitivity %s: dense loss %.5f; greedy %d -> %d weights, loss %.5f; %s %d -> %d, loss %.5f%n",
                            kind, t.baseLoss(), greedy.paramsBefore(), greedy.paramsAfter(), gl, uniform.how(),
                            uniform.paramsBefore(), uniform.paramsAfter(), ul);
                    assertTrue(gl <= ul, kind + ": greedy loss " + gl + " above uniform's " + ul);
                }
            }
        }
    }
}
