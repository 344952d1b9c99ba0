package dev.torchslim.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import dev.torchslim.train.GraphTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature distillation between two scripted residual CNNs made by the Python oracle (teacher: 16
 * channels; student: 8 channels, stride-2 stem, so its maps are half the teacher's size): taps
 * equal Python's forward hooks, hint losses and their gradients equal Python's formula on the same
 * tensors, gradients reach the student and the adapter, and the saved student has no adapter.
 */
@Tag("oracle")
class FeatureDistillationOracleTest {
    private static final Pattern LOSS = Pattern.compile("\"loss\": ([-0-9.eE+]+)");
    private static Path dir;

    @TempDir
    Path tmp;

    @BeforeAll
    static void make() throws Exception {
        NativeLibrary.ensureLoaded();
        dir = Paths.get("target", "oracle-models", "hints");
        if (!Files.exists(dir.resolve("student.stem.npy"))) {
            Files.createDirectories(dir);
            PythonOracle.run("hint_models.py", "make", dir.toString());
        }
    }

    private static double maxDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double();
    }

    @Test
    void tapsEqualPythonsForwardHooks() throws Exception {
        try (TensorScope scope = new TensorScope(); ScriptModel teacher = ScriptModel.load(dir.resolve("teacher.pt"));
             ScriptModel student = ScriptModel.load(dir.resolve("student.pt"))) {
            Tensor x = Npy.read(dir.resolve("x.npy"));
            for (ScriptModel m : List.of(teacher, student)) {
                String name = m == teacher ? "teacher" : "student";
                m.eval();
                try (ScriptModel tapped = FeatureDistillation.tap(m, "layer1,layer1.0.conv1,stem")) {
                    List<Tensor> out = tapped.forwardAll(x);
                    assertEquals(4, out.size());
                    assertTrue(maxDiff(out.get(0), m.forward(x)) < 1e-5, name + ": the tap changed the output");
                    String[] layers = {"layer1", "layer1.0.conv1", "stem"};
                    for (int i = 0; i < layers.length; i++) {
                        Tensor want = Npy.read(dir.resolve(name + "." + layers[i] + ".npy"));
                        assertTrue(maxDiff(out.get(i + 1), want) < 1e-4, name + " " + layers[i] + " differs from Python's hook");
                    }
                }
                assertFalse(m.schema().contains("Tuple"), "the model's own forward is unchanged");
            }
        }
    }

    @Test
    void hintLossesAndGradientsEqualPythons() throws Exception {
        try (TensorScope scope = new TensorScope()) {
            Tensor s = Npy.read(dir.resolve("student.layer1.npy"));   // [8, 8, 8, 8]
            Tensor t = Npy.read(dir.resolve("teacher.layer1.npy"));   // [8, 16, 16, 16]: pooled to 8x8
            HintAdapter adapter = HintAdapter.create(8, 16, true, 5);
            assertEquals(List.of(16L, 8L, 1L, 1L), List.of(adapter.weight().sizes().vec().get()[0],
                    adapter.weight().size(1), adapter.weight().size(2), adapter.weight().size(3)));
            Path sf = tmp.resolve("s.npy");
            Path tf = tmp.resolve("t.npy");
            Path wf = tmp.resolve("w.npy");
            Path bf = tmp.resolve("b.npy");
            Npy.write(sf, s);
            Npy.write(tf, t);
            Npy.write(wf, adapter.weight().detach());
            Npy.write(bf, adapter.bias().detach());
            for (HintLoss kind : HintLoss.values()) {
                Path gf = tmp.resolve(kind.key() + ".g.npy");
                boolean adapted = kind == HintLoss.MSE;
                String out = PythonOracle.run("hint_models.py", "loss", kind.key(), sf.toString(), tf.toString(),
                        adapted ? wf.toString() : "-", adapted ? bf.toString() : "-", gf.toString());
                Matcher m = LOSS.matcher(out);
                assertTrue(m.find(), out);
                double want = Double.parseDouble(m.group(1));
                Tensor student = s.clone().requires_grad_(true);
                if (adapter.weight().grad().defined()) {
                    adapter.weight().grad().zero_();
                }
                Tensor loss = kind.compute(student, t, adapted ? adapter : null);
                assertEquals(want, loss.item_double(), 1e-5 * Math.max(1, Math.abs(want)), kind + " loss");
                loss.backward();
                Tensor g = Npy.read(gf);
                assertTrue(maxDiff(student.grad(), g) < 1e-6 + 1e-4 * g.abs().max().item_double(), kind + " gradient");
                if (adapted) {
                    Tensor gw = Npy.read(Path.of(gf + ".w.npy"));
                    assertTrue(maxDiff(adapter.weight().grad(), gw) < 1e-6 + 1e-4 * gw.abs().max().item_double(),
                            "adapter gradient");
                }
            }
            // a linear adapter over 2-D features
            Tensor s2 = s.flatten(1, 3).narrow(1, 0, 6);
            Tensor t2 = t.flatten(1, 3).narrow(1, 0, 4);
            HintAdapter lin = HintAdapter.create(6, 4, false, 6);
            Npy.write(sf, s2);
            Npy.write(tf, t2);
            Npy.write(wf, lin.weight().detach());
            Npy.write(bf, lin.bias().detach());
            Matcher m = LOSS.matcher(PythonOracle.run("hint_models.py", "loss", "mse", sf.toString(), tf.toString(),
                    wf.toString(), bf.toString(), tmp.resolve("lin.g.npy").toString()));
            assertTrue(m.find());
            assertEquals(Double.parseDouble(m.group(1)), HintLoss.MSE.compute(s2, t2, lin).item_double(), 1e-5);
            assertThrows(TorchSlimException.class, () -> HintLoss.AT.compute(s2, t2, null), "AT needs 4-D maps");
            assertThrows(TorchSlimException.class, () -> HintLoss.MSE.compute(s, t, null), "channels differ, no adapter");
        }
    }

    @Test
    void gradientsReachTheStudentAndTheAdapterNotTheTeacher() {
        try (TensorScope scope = new TensorScope(); ScriptModel teacher = ScriptModel.load(dir.resolve("teacher.pt"));
             ScriptModel student = ScriptModel.load(dir.resolve("student.pt"))) {
            TensorData data = TensorData.load(dir.resolve("data.pt"));
            Tensor x = data.x().narrow(0, 0, 16);
            Tensor y = data.y().narrow(0, 0, 16);
            HintConfig hints = new HintConfig(Hint.parse("layer1:layer1,layer1.0.conv1:layer1.0.conv1"), HintLoss.MSE, 1);
            try (FeatureDistillation fd = FeatureDistillation.prepare(student, teacher, hints, x, 3)) {
                assertNotNull(fd.adapters().get(0), "16 teacher channels vs 8: an adapter");
                assertEquals(4, fd.adapterParameters().size());
                student.train(true);
                FeatureDistillation.Losses l = fd.loss(x, y, new KdConfig(2, 0.5));
                assertTrue(l.hints().get(0).item_double() > 0 && l.hints().get(1).item_double() > 0);
                l.total().backward();
                for (Tensor p : student.parameters()) {
                    assertTrue(p.grad().defined() && p.grad().abs().sum().item_double() > 0, "a student parameter got no gradient");
                }
                for (Tensor p : fd.adapterParameters()) {
                    assertTrue(p.grad().defined() && p.grad().abs().sum().item_double() > 0, "an adapter parameter got no gradient");
                }
                for (Tensor p : teacher.parameters()) {
                    assertFalse(p.grad().defined(), "the teacher must get no gradient");
                }
                assertFalse(teacher.isTraining(), "the teacher runs in eval mode");
            }
            HintConfig at = new HintConfig(Hint.parse("layer1:layer1"), HintLoss.AT, 100);
            try (FeatureDistillation fd = FeatureDistillation.prepare(student, teacher, at, x, 3)) {
                assertNull(fd.adapters().get(0), "attention transfer needs no adapter");
                assertTrue(fd.adapterParameters().isEmpty());
            }
        }
    }

    @Test
    void distilledStudentSavesWithoutAdaptersAndRunsInPython() {
        Path out = tmp.resolve("distilled.pt");
        try (TensorScope scope = new TensorScope(); ScriptModel teacher = ScriptModel.load(dir.resolve("teacher.pt"));
             ScriptModel student = ScriptModel.load(dir.resolve("student.pt"))) {
            TensorData data = TensorData.load(dir.resolve("data.pt"));
            long params = student.parameterCount();
            HintConfig hints = new HintConfig(Hint.parse("layer1:layer1"), HintLoss.MSE, 1);
            double before;
            try (FeatureDistillation fd = FeatureDistillation.prepare(student, teacher, hints, data.x(), 9)) {
                before = fd.loss(data.x(), data.y(), new KdConfig(2, 0.5)).hints().get(0).item_double();
            }
            List<Double> losses = Distiller.fit(student, teacher, data, new KdConfig(2, 0.5), hints,
                    new GraphTrainer.Config(16, 1e-2, 8, 9), null);
            assertTrue(losses.get(losses.size() - 1) < losses.get(0), "the distillation loss did not fall: " + losses);
            assertEquals(params, student.parameterCount(), "adapters must not join the student");
            student.save(out);
            String py = PythonOracle.run("hint_models.py", "params", out.toString());
            assertTrue(py.contains("\"count\": " + params), py);
            assertFalse(py.contains("adapter"), py);
            assertTrue(py.contains("\"out\": [2, 10]"), py);
            assertTrue(before > 0);
        }
    }

    @Test
    void badLayersFailNamingTheLayer() {
        try (TensorScope scope = new TensorScope(); ScriptModel teacher = ScriptModel.load(dir.resolve("teacher.pt"));
             ScriptModel student = ScriptModel.load(dir.resolve("student.pt"))) {
            Tensor x = TensorData.load(dir.resolve("data.pt")).x().narrow(0, 0, 2);
            TorchSlimException unknown = assertThrows(TorchSlimException.class, () -> FeatureDistillation.prepare(student,
                    teacher, new HintConfig(Hint.parse("layer9:layer1"), HintLoss.MSE, 1), x, 1));
            assertTrue(unknown.getMessage().contains("'layer9'") && unknown.getMessage().contains("layer1.0.conv1"),
                    unknown.getMessage());
            TorchSlimException twice = assertThrows(TorchSlimException.class, () -> FeatureDistillation.prepare(student,
                    teacher, new HintConfig(Hint.parse("layer1:layer1.0.relu"), HintLoss.MSE, 1), x, 1));
            assertTrue(twice.getMessage().contains("called 2 times"), twice.getMessage());
            IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> FeatureDistillation.prepare(
                    student, teacher, new HintConfig(Hint.parse("fc:layer1"), HintLoss.MSE, 1), x, 1));
            assertTrue(rank.getMessage().contains("fc:layer1"), rank.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Hint.parse("layer1"));
            assertThrows(IllegalArgumentException.class, () -> Hint.parse("a:b,:c"));
            assertEquals(List.of(new Hint("a", "b"), new Hint("c.1", "d")), Hint.parse("a:b, c.1:d"));
        }
    }
}
