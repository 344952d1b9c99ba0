package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.jni.CoreApi;
import dev.torchslim.jni.PruneApi;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.SoftmaxImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ChannelPrunerTest {
    @Test
    void removingHalfTheFiltersOfTheDemoCnnKeepsItsOutputs() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(31);
            model.eval();
            // Mask 50% of the filters (L2, dim 0) of all but the last layer, as pruneAndRemove does.
            List<PruneTarget> targets = PruneTargets.find(model, PruneTargets.CONV_AND_LINEAR, Set.of());
            for (PruneTarget t : targets.subList(0, 3)) {
                PruneApi.apply_mask_(t.weight(), PruneApi.ln_structured_mask(t.weight(), 0.5, 2, 0));
            }
            Tensor x = torch.randn(8, 1, 28, 28);
            Tensor masked = model.forward(x);
            long paramsBefore = CoreApi.count_parameters(model);
            String report = ChannelPruner.removeZeroChannels(model);
            Tensor removed = model.forward(x);
            assertTrue(masked.allclose(removed, 1e-4, 1e-5, false), "outputs changed by channel removal");
            assertTrue(report.contains("conv1 10->5") && report.contains("conv2 20->10") && report.contains("fc1 50->25"),
                    report);
            assertEquals(5, model.named_parameters().get("conv1.weight").size(0));
            assertEquals(5, model.named_parameters().get("conv2.weight").size(1));
            assertEquals(10 * 16, model.named_parameters().get("fc1.weight").size(1));
            assertEquals(25, model.named_parameters().get("fc2.weight").size(1));
            assertTrue(CoreApi.count_parameters(model) < paramsBefore / 2, "params " + CoreApi.count_parameters(model));
        }
    }

    @Test
    void pruneAndRemoveShrinksAndStillRuns() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(32);
            String report = ChannelPruner.pruneAndRemove(model, 0.5, 2);
            assertTrue(report.contains("fc1 50->25"), report);
            Tensor out = model.forward(torch.randn(2, 1, 28, 28));
            assertEquals(10, out.size(1));
        }
    }

    @Test
    void modelsItCannotAnalyseGetAClearExceptionAndStayUnchanged() {
        SequentialImpl model = new SequentialImpl();
        model.push_back("fc1", new LinearImpl(4, 6));
        model.push_back("softmax", new SoftmaxImpl(1));
        model.push_back("fc2", new LinearImpl(6, 2));
        model.named_parameters().get("fc1.weight").narrow(0, 0, 2).detach().zero_();
        TorchSlimException e = assertThrows(TorchSlimException.class, () -> ChannelPruner.removeZeroChannels(model));
        assertTrue(e.getMessage().contains("softmax") && e.getMessage().contains("cannot analyse"), e.getMessage());
        assertEquals(6, model.named_parameters().get("fc1.weight").size(0));
        assertThrows(IllegalArgumentException.class, () -> ChannelPruner.removeZeroChannels(new LinearImpl(2, 2)));
    }
}
