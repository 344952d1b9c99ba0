package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class TaylorPrunerTest {
    @Test
    void prunesWeightsWithTheSmallestAccumulatedWeightTimesGradient() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = new SequentialImpl();
            model.push_back("fc", new LinearImpl(8, 4));
            List<PruneTarget> targets = PruneTargets.find(model, PruneTargets.CONV_AND_LINEAR, Set.of());
            TaylorPruner taylor = new TaylorPruner(targets, false);
            assertThrows(IllegalStateException.class, () -> taylor.masks(targets, 0.5));
            // Inputs 0..3 are always zero: their weights get no gradient, so zero importance.
            for (int batch = 0; batch < 3; batch++) {
                Tensor x = torch.randn(5, 8);
                x.narrow(1, 0, 4).zero_();
                model.zero_grad(true);
                model.forward(x).pow(new Scalar(2)).sum().backward();
                taylor.accumulate();
            }
            assertEquals(3, taylor.batches());
            Tensor mask = taylor.masks(targets, 0.5).get(0);
            assertEquals(16, mask.eq(new Scalar(0.0)).sum().item_long());
            assertTrue(mask.narrow(1, 0, 4).eq(new Scalar(0.0)).all().item_bool(), "dead inputs pruned first");
            new EasyPrune(model, 0.5).strategy(taylor).prune().unprune();
            assertEquals(16, targets.get(0).weight().narrow(1, 0, 4).eq(new Scalar(0.0)).sum().item_long());
        }
    }
}
