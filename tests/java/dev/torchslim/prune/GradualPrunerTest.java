package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class GradualPrunerTest {
    @Test
    void cubicScheduleMatchesZhuGupta() {
        // s_t = s_f + (s_i - s_f)(1 - (t - t0)/(n dt))^3 with s_i=0, s_f=0.8, t0=10, dt=5, n=4.
        assertEquals(0.0, GradualPruner.sparsityAt(9, 0, 0.8, 10, 5, 4));
        assertEquals(0.0, GradualPruner.sparsityAt(10, 0, 0.8, 10, 5, 4), 1e-12);
        assertEquals(0.8 - 0.8 * Math.pow(0.75, 3), GradualPruner.sparsityAt(15, 0, 0.8, 10, 5, 4), 1e-12);
        assertEquals(0.8 - 0.8 * Math.pow(0.25, 3), GradualPruner.sparsityAt(25, 0, 0.8, 10, 5, 4), 1e-12);
        assertEquals(0.8, GradualPruner.sparsityAt(30, 0, 0.8, 10, 5, 4));
        assertEquals(0.8, GradualPruner.sparsityAt(1000, 0, 0.8, 10, 5, 4));
    }

    @Test
    void reachesTheFinalSparsityExactlyWhileTraining() {
        try (TensorScope scope = new TensorScope()) {
            SequentialImpl model = TestModels.demoCnn(21);
            GradualPruner gradual = new GradualPruner(model, PruningStrategy.l1(), 0.1, 0.85, 3, 4, 5);
            Adam opt = new Adam(model.parameters(), new AdamOptions(1e-3));
            Tensor x = torch.randn(16, 1, 28, 28);
            Tensor y = torch.randint(10, new long[] {16});
            double last = -1;
            for (int step = 0; step < 30; step++) {
                try (TensorScope s = new TensorScope()) {
                    opt.zero_grad();
                    torch.nll_loss(model.forward(x), y).backward();
                    opt.step();
                    double sp = gradual.step();
                    assertTrue(sp >= last, "sparsity never decreases");
                    last = sp;
                }
            }
            assertTrue(gradual.isDone());
            assertEquals(0.85, last);
            gradual.finish();
            for (SparsityReport.Row r : gradual.report().rows()) {
                assertEquals(Math.rint(0.85 * r.params()), r.params() - r.nonzero(), r.layer());
            }
        }
    }

    @Test
    void rejectsBadSchedules() {
        SequentialImpl model = TestModels.demoCnn(22);
        assertThrows(IllegalArgumentException.class, () -> new GradualPruner(model, PruningStrategy.l1(), 0, 0.5, 0, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new GradualPruner(model, PruningStrategy.l1(), 0, 1.2, 0, 1, 3));
    }
}
