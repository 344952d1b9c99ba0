package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import java.util.List;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Two pruners on one model, empty weights, and close() of the pruners that hold native state. */
class PrunerLifecycleTest {
    static Tensor fc1(SequentialImpl model) {
        return model.named_parameters().get("fc1.weight");
    }

    @Test
    void twoPrunersRestoreInReverseOrderAndOutOfOrderIsRefused() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(3);
            Tensor dense = fc1(model).clone();
            EasyPrune a = new EasyPrune(model, 0.5).prune();
            Tensor afterA = fc1(model).clone();
            EasyPrune b = new EasyPrune(model, 0.5).strategy(PruningStrategy.random(1)).prune();
            assertFalse(fc1(model).equal(afterA));
            // The old bug: a.restore() then b.restore() left b's dense copy (a's zeros) in place.
            IllegalStateException e = assertThrows(IllegalStateException.class, a::restore);
            assertTrue(e.getMessage().contains("'conv1'") && e.getMessage().contains("EasyPrune(random"),
                    e.getMessage());
            assertTrue(a.isPruned(), "a refused restore changes nothing");
            b.restore();
            assertTrue(fc1(model).equal(afterA), "b restores a's pruned weights");
            a.restore();
            assertTrue(fc1(model).equal(dense), "a restores the dense weights");
        }
    }

    @Test
    void anUnprunedLaterPrunerNoLongerBlocksRestore() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(4);
            Tensor dense = fc1(model).clone();
            try (EasyPrune a = new EasyPrune(model, 0.3).prune();
                    EasyPrune b = new EasyPrune(model, 0.3).prune()) {
                b.unprune();
                a.restore();
                assertTrue(fc1(model).equal(dense));
            }
        }
    }

    @Test
    void emptyWeightsAreLeftOutWithANote() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = new SequentialImpl();
            LinearImpl empty = new LinearImpl(4, 4);
            empty.named_parameters().get("weight").set_data(torch.empty(4, 0));
            model.push_back("empty", empty);
            model.push_back("fc", new LinearImpl(4, 3));
            try (EasyPrune p = new EasyPrune(model, 0.5).prune()) {
                assertEquals(1, p.targets().size());
                assertEquals("fc", p.targets().get(0).name());
                assertEquals(1, p.leftOut().size());
                LeftOut left = p.leftOut().get(0);
                assertEquals("empty", left.name());
                assertEquals(List.of(4L, 0L), left.shape());
                assertTrue(left.reason().startsWith("empty weight"), left.toString());
            }
            SequentialImpl onlyEmpty = new SequentialImpl();
            onlyEmpty.push_back("empty", empty);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new EasyPrune(onlyEmpty, 0.5).prune());
            assertTrue(e.getMessage().contains("empty [4x0]: empty weight"), e.getMessage());
            try (GradualPruner g = new GradualPruner(model, PruningStrategy.l1(), 0, 0.5, 0, 1, 2)) {
                g.step();
                assertEquals(1, g.report().rows().size());
            }
        }
    }

    @Test
    void closeFreesMasksAndHooksAndLaterCallsThrow() {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(5);
            EasyPrune p = new EasyPrune(model, 0.5).prune();
            Tensor pruned = fc1(model).clone();
            p.close();
            p.close(); // idempotent
            assertTrue(fc1(model).equal(pruned), "weights keep their values");
            assertThrows(IllegalStateException.class, p::restore);
            assertThrows(IllegalStateException.class, p::prune);
            assertThrows(IllegalStateException.class, p::report);
            // Its masks are gone from the registry: a new pruner restores freely.
            try (EasyPrune q = new EasyPrune(model, 0.2).prune()) {
                q.restore();
                assertTrue(fc1(model).equal(pruned));
            }
            GradualPruner g = new GradualPruner(model, PruningStrategy.l1(), 0, 0.5, 0, 1, 2);
            g.step();
            g.close();
            g.close();
            assertThrows(IllegalStateException.class, g::step);
        }
    }
}
