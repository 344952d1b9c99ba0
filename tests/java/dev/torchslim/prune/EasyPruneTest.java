package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class EasyPruneTest {
    static long zeros(Tensor t) {
        return t.numel() - t.count_nonzero().item_long();
    }

    @Test
    void prunesEveryConvAndLinearByDefaultThenUnpruneKeepsZeros() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(1);
            EasyPrune pruner = new EasyPrune(model, 0.5).prune();
            List<PruneTarget> targets = pruner.targets();
            assertEquals(List.of("conv1", "conv2", "fc1", "fc2"), targets.stream().map(PruneTarget::name).toList());
            for (PruneTarget t : targets) {
                assertEquals(Math.rint(0.5 * t.weight().numel()), zeros(t.weight()), t.name());
            }
            pruner.unprune();
            for (PruneTarget t : targets) {
                assertEquals(Math.rint(0.5 * t.weight().numel()), zeros(t.weight()), t.name());
            }
            SparsityReport report = pruner.report();
            assertEquals(0.5, report.sparsity(), 1e-3);
            assertEquals(4, report.rows().size());
            assertEquals(16000, report.rows().get(2).params());
            assertEquals(8000, report.rows().get(2).nonzero());
            String table = report.toString();
            assertTrue(table.contains("fc1") && table.contains("[50, 320]") && table.contains("50.00%")
                    && table.contains("total"), table);
        }
    }

    @Test
    void restoreBringsBackTheDenseWeightsExactly() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(2);
            Tensor before = model.named_parameters().get("fc1.weight").clone();
            EasyPrune pruner = new EasyPrune(model, 0.7).prune();
            assertFalse(model.named_parameters().get("fc1.weight").equal(before));
            pruner.restore();
            assertTrue(model.named_parameters().get("fc1.weight").equal(before));
            pruner.prune(); // allowed again after restore()
            assertTrue(pruner.isPruned());
        }
    }

    @Test
    void skipListAndLayerFilterLeaveLayersDense() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(3);
            EasyPrune pruner = new EasyPrune(model, 0.5).layers(PruneTarget::isLinear).skip("fc2").prune();
            assertEquals(List.of("fc1"), pruner.targets().stream().map(PruneTarget::name).toList());
            assertEquals(0, zeros(model.named_parameters().get("conv1.weight")));
            assertEquals(0, zeros(model.named_parameters().get("fc2.weight")));
            assertEquals(8000, zeros(model.named_parameters().get("fc1.weight")));
        }
    }

    @Test
    void wrongOrderSaysWhichCallIsMissing() {
        SequentialImpl model = TestModels.demoCnn(4);
        EasyPrune pruner = new EasyPrune(model, 0.5);
        IllegalStateException e = assertThrows(IllegalStateException.class, pruner::unprune);
        assertTrue(e.getMessage().contains("needs prune() first"), e.getMessage());
        e = assertThrows(IllegalStateException.class, pruner::restore);
        assertTrue(e.getMessage().contains("needs prune() first"), e.getMessage());
        pruner.prune();
        e = assertThrows(IllegalStateException.class, pruner::prune);
        assertTrue(e.getMessage().contains("unprune() or restore()"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> pruner.strategy(PruningStrategy.l1Global()));
        assertTrue(e.getMessage().contains("before prune()"), e.getMessage());
        pruner.unprune();
        e = assertThrows(IllegalStateException.class, pruner::restore);
        assertTrue(e.getMessage().contains("after unprune()"), e.getMessage());
        assertThrows(IllegalStateException.class, pruner::prune);
    }

    @Test
    void badArgumentsAreRejectedInJava() {
        SequentialImpl model = TestModels.demoCnn(5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EasyPrune(model, 1.5));
        assertTrue(e.getMessage().contains("1.5") && e.getMessage().contains("[0, 1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new NMPruner(3, 2));
        assertThrows(IllegalArgumentException.class, () -> NMPruner.parse("2-4"));
        assertThrows(IllegalArgumentException.class, () -> new LnStructuredPruner(0, 0));
        // N:M on conv1 (1 input channel) is rejected with the layer's name.
        e = assertThrows(IllegalArgumentException.class,
                () -> new EasyPrune(model, 0.5).strategy(PruningStrategy.nm(2, 4)).prune());
        assertTrue(e.getMessage().contains("conv1"), e.getMessage());
    }

    @Test
    void nmAndRandomAndCustomStrategies() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(6);
            new EasyPrune(model, 0).strategy(PruningStrategy.nm(2, 4)).layers(t -> t.name().equals("fc1")).prune().unprune();
            Tensor w = model.named_parameters().get("fc1.weight"); // [50, 320]
            Tensor perGroup = w.ne(new Scalar(0.0)).reshape(-1, 4).sum(new long[] {1});
            assertTrue(perGroup.le(new Scalar(2)).all().item_bool(), "at most 2 of every 4 kept");
            assertEquals(8000, zeros(w));

            SequentialImpl a = TestModels.demoCnn(7);
            SequentialImpl b = TestModels.demoCnn(7);
            new EasyPrune(a, 0.3).strategy(PruningStrategy.random(42)).prune().unprune();
            new EasyPrune(b, 0.3).strategy(PruningStrategy.random(42)).prune().unprune();
            assertTrue(a.named_parameters().get("conv2.weight").equal(b.named_parameters().get("conv2.weight")));
            assertEquals(Math.rint(0.3 * 5000), zeros(a.named_parameters().get("conv2.weight")));

            SequentialImpl c = TestModels.demoCnn(8);
            Tensor mask = torch.ones(10, 50);
            mask.narrow(1, 0, 25).zero_();
            new EasyPrune(c, 0).layers(t -> t.name().equals("fc2"))
                    .strategy(new CustomMaskPruner(Map.of("fc2", mask))).prune().unprune();
            assertEquals(250, zeros(c.named_parameters().get("fc2.weight")));
        }
    }
}
