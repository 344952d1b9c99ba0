package dev.torchslim.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.train.GraphTrainer;
import java.util.List;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.ReLUImpl;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Logit KD between two traced Java models: the loss's limits, a frozen teacher, a student that learns it. */
class DistillerTest {
    @BeforeAll
    static void load() {
        NativeLibrary.ensureLoaded();
    }

    static ScriptModel mlp(long seed, int hidden) {
        torch.manual_seed(seed);
        SequentialImpl m = new SequentialImpl();
        m.push_back("fc1", new LinearImpl(12, hidden));
        m.push_back("relu", new ReLUImpl());
        m.push_back("fc2", new LinearImpl(hidden, 5));
        return ScriptModel.trace(m, torch.zeros(2, 12));
    }

    static double agreement(ScriptModel a, Tensor teacherOut, Tensor x) {
        return a.forward(x).argmax(new org.bytedeco.pytorch.LongOptional(1), false)
                .eq(teacherOut.argmax(new org.bytedeco.pytorch.LongOptional(1), false)).to(torch.ScalarType.Float).mean().item_double();
    }

    @Test
    void lossLimitsAreCrossEntropyAndZero() {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(2);
            Tensor s = torch.randn(8, 5);
            Tensor t = torch.randn(8, 5);
            Tensor y = torch.randint(0, 5, new long[] {8});
            assertEquals(torch.cross_entropy(s, y).item_double(), KdLoss.compute(s, t, y, new KdConfig(3, 0)).item_double(), 1e-6);
            assertEquals(0.0, KdLoss.compute(s, s, y, new KdConfig(3, 1)).item_double(), 1e-6);
            assertTrue(KdLoss.compute(s, t, y, new KdConfig(3, 1)).item_double() > 1e-3);
            assertThrows(TorchSlimException.class, () -> KdLoss.compute(s, torch.randn(8, 4), y, KdConfig.defaults()));
            assertThrows(IllegalArgumentException.class, () -> new KdConfig(0, 0.5));
            assertThrows(IllegalArgumentException.class, () -> new KdConfig(2, 1.5));
            assertThrows(IllegalArgumentException.class, () -> KdLoss.compute(s, t, null, new KdConfig(2, 0.5)));
        }
    }

    @Test
    void studentLearnsAFrozenTeacher() {
        try (TensorScope scope = new TensorScope(); ScriptModel teacher = mlp(1, 32); ScriptModel student = mlp(2, 8)) {
            torch.manual_seed(3);
            Tensor x = torch.randn(512, 12);
            teacher.train(true);
            Tensor soft = TeacherLogits.compute(teacher, x, 100);
            assertTrue(teacher.isTraining(), "the teacher's mode must be restored");
            assertFalse(soft.requires_grad(), "teacher outputs must carry no autograd graph");
            assertEquals(512, soft.size(0));
            teacher.eval();
            Tensor before = teacher.parameters().get(0).clone();
            TensorData data = TensorData.of("synthetic", x, soft.argmax(new org.bytedeco.pytorch.LongOptional(1), false));
            double start = agreement(student, soft, x);
            List<Double> losses = Distiller.fit(student, teacher, data, new KdConfig(2, 0.9),
                    new GraphTrainer.Config(32, 1e-2, 15, 4));
            assertTrue(losses.get(losses.size() - 1) < 0.9 * losses.get(0), "KD loss did not fall: " + losses);
            double end = agreement(student, soft, x);
            assertTrue(end > 0.7 && end > start + 0.3, "student agrees with the teacher on " + end + " (from " + start + ")");
            assertEquals(0.0, teacher.parameters().get(0).sub(before).abs().max().item_double(), "the teacher must stay frozen");
            assertThrows(IllegalArgumentException.class, () -> Distiller.fit(student, soft.narrow(0, 0, 10), data,
                    KdConfig.defaults(), new GraphTrainer.Config(32, 1e-2, 1, 4)));
        }
    }
}
