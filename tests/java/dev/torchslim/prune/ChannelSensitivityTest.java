package dev.torchslim.prune;

import dev.torchslim.sensitivity.SelectionMethod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import dev.torchslim.sensitivity.DataLoss;
import dev.torchslim.train.Loss;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sensitivity-based channel pruning on the oracle's residual CNN and depthwise (inverted residual)
 * model: the loss per group and ratio, the greedy ratios under a parameter budget, the exact
 * parameter count of the chosen combination, and the pruned file run in Python on the original input.
 */
@Tag("oracle")
class ChannelSensitivityTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"resnet", "depthwise"})
    void greedyRatiosMeetTheBudgetExactlyAndRunInPython(String name) throws Exception {
        try (TensorScope scope = new TensorScope(); ScriptModel model = ScriptModel.load(GraphModels.file(name, ".pt"))) {
            model.eval();
            Tensor x = TensorData.readNpy(GraphModels.file(name, ".x.npy"));
            Tensor y;
            try (NoGradGuard g = new NoGradGuard()) {
                y = model.forward(x).argmax(new org.bytedeco.pytorch.LongOptional(1), false);  // the dense model's own classes as labels
            }
            TensorData data = TensorData.of(name + " x", x, y);
            Tensor example = x.narrow(0, 0, 2);
            GraphChannelPruner.Options o = GraphChannelPruner.Options.of(Importance.L1, 0);
            ChannelSensitivity.Table t = ChannelSensitivity.measure(model, example, null, o, data, Loss.CE,
                    ChannelSensitivity.DEFAULT_RATIOS, 4);
            assertEquals(DataLoss.mean(model, data, Loss.CE, 8), t.baseLoss(), 1e-5);
            assertFalse(t.groups().isEmpty(), name);
            for (ChannelSensitivity.Point p : t.points()) {
                // a group pruned alone: the table's count equals the pruned model's
                assertEquals(p.params(), t.params(java.util.Map.of(p.group(), p.ratio())), p.toString());
                assertTrue(p.params() < t.baseParams() && Double.isFinite(p.loss()), p.toString());
            }
            double budget = 0.7;
            ChannelSensitivity.Selection greedy = ChannelSensitivity.greedy(t, budget);
            ChannelSensitivity.Selection uniform = ChannelSensitivity.uniform(t, budget);
            assertTrue(greedy.budgetMet(), greedy.toString());
            assertEquals(SelectionMethod.GREEDY, greedy.method());
            assertEquals(SelectionMethod.UNIFORM, uniform.method());
            double setting = uniform.setting();
            assertTrue(java.util.Arrays.stream(t.ratios()).anyMatch(r -> r == setting), uniform.toString());
            assertTrue(greedy.paramsAfter() <= budget * t.baseParams(), greedy.toString());
            GraphChannelPruner.Result r = GraphChannelPruner.prune(model, List.of(example), null,
                    o.withRatios(greedy.ratios()));
            try (ScriptModel pruned = r.model()) {
                // the combination's count (groups sharing weights) equals the real pruned model's
                assertEquals(greedy.paramsAfter(), pruned.parameterCount(), greedy.toString());
                Path file = tmp.resolve(name + ".sens.pt");
                pruned.save(file);
                Path out = tmp.resolve(name + ".sens.out.npy");
                String info = PythonOracle.run("graph_models.py", "run", file.toString(),
                        GraphModels.file(name, ".x.npy").toString(), out.toString());
                assertTrue(info.contains("\"params\": " + pruned.parameterCount()), info);
                Tensor py = Npy.read(out);
                Tensor java = pruned.forward(x);
                assertEquals(x.size(0), py.size(0));
                assertTrue(py.sub(java).abs().max().item_double() <= 1e-4 * Math.max(1, java.abs().max().item_double()),
                        name + ": Python and Java outputs of the pruned file differ");
            }
            System.out.printf("channel sensitivity %s: %d groups x %d ratios, dense loss %.5f; budget %.2f: greedy %s"
                    + " %d -> %d params; %s -> %d params%n", name, t.groups().size(), t.ratios().length, t.baseLoss(),
                    budget, greedy.ratios(), t.baseParams(), greedy.paramsAfter(), uniform.how(), uniform.paramsAfter());
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, 1, -0.5})
    void budgetsOutsideTheOpenIntervalAreRefused(double budget) {
        ChannelSensitivity.Table t = new ChannelSensitivity.Table(1, 100, List.of(), List.of(), new double[] {0.5}, 1);
        assertThrows(IllegalArgumentException.class, () -> ChannelSensitivity.greedy(t, budget));
    }
}
