package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.examples.model.SimpleModel;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The graph pruner on a Java Sequential traced to a ScriptModel (the demo's SimpleModel): LibTorch's
 * C++ Linear traces to aten::t + aten::addmm, which the pruner must read as a Linear (it once fixed
 * every channel that reached fc1, so only conv1 lost channels).
 */
class GraphChannelPrunerSequentialTest {
    @Test
    void simpleModelTraceLosesChannelsInEveryHiddenLayerAndKeepsItsOutputs() {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(3);
            SequentialImpl net = SimpleModel.create();
            Tensor x = torch.randn(4, 1, 28, 28);
            try (ScriptModel m = ScriptModel.trace(net, x.narrow(0, 0, 2))) {
                List<Tensor> example = List.of(x.narrow(0, 0, 2));
                GraphChannelPruner.Analysis a = GraphChannelPruner.analyse(m, example);
                assertEquals(List.of(List.of("conv1", "conv2"), List.of("conv2", "fc1"), List.of("fc1", "fc2")),
                        a.groups().stream().map(GraphChannelPruner.Group::layers).toList(), a.toString());
                assertEquals(List.of(10, 20, 50), a.groups().stream().map(GraphChannelPruner.Group::units).toList());
                GraphChannelPruner.Options o = GraphChannelPruner.Options.of(Importance.L2, 0.5);
                GraphChannelPruner.Result r = GraphChannelPruner.prune(m, example, null, o);
                try (ScriptModel pruned = r.model(); ScriptModel zeroed = GraphChannelPruner.zeroChosen(m, example, null, o)) {
                    Map<Integer, int[]> units = r.unitsBeforeAfter();
                    assertEquals(List.of(5, 10, 25), List.of(units.get(0)[1], units.get(1)[1], units.get(2)[1]));
                    assertTrue(r.changes().stream().anyMatch(c -> c.name().equals("fc1.weight")
                            && c.before().equals(List.of(50L, 320L)) && c.after().equals(List.of(25L, 160L))), r.changes().toString());
                    assertTrue(r.changes().stream().anyMatch(c -> c.name().equals("fc2.weight")
                            && c.after().equals(List.of(10L, 25L))), r.changes().toString());
                    Tensor want = zeroed.forward(x);
                    Tensor got = pruned.forward(x);
                    double err = got.sub(want).abs().max().item_double() / want.abs().max().item_double();
                    assertTrue(err <= 1e-5, "pruned differs from zeroed by " + err + " of the range");
                }
            }
        }
    }
}
