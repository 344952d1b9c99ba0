package dev.torchslim.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptModelTest {
    @TempDir
    Path tmp;

    @Test
    @Tag("oracle")
    void loadsScriptedAndTracedRealModelsAndRunsThemAsPythonDoes() throws Exception {
        for (String name : GraphModels.NAMES) {
            try (TensorScope scope = new TensorScope(); ScriptModel m = ScriptModel.load(GraphModels.file(name, ".pt"))) {
                Tensor out = m.forward(Npy.read(GraphModels.file(name, ".x.npy")));
                Tensor ref = Npy.read(GraphModels.file(name, ".ref.npy"));
                assertTrue(out.sub(ref).abs().max().item_double() < 1e-5, name);
                assertTrue(m.parameterCount() > 1000, name);
                assertTrue(m.modules().size() >= 3, name + " " + m.modules());
                assertEquals(m.parameterInfo().size(), m.parameters().size(), name);
                assertTrue(m.ops().size() > 3, name);
            }
        }
        try (ScriptModel m = ScriptModel.load(GraphModels.file("resnet", ".pt"))) {
            Map<String, String> modules = m.modules();
            assertEquals("__torch__.torch.nn.modules.conv.Conv2d", modules.get("layer1.0.conv1"), modules.toString());
            assertTrue(m.ops().containsKey("aten::add"), m.ops().toString());  // the residual
        }
    }

    @Test
    @Tag("oracle")
    void tracedSequentialSavesAFilePythonRunsWithTheSameOutput() throws Exception {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(5);
            SequentialImpl model = SimpleModel.create();
            model.eval();
            Tensor x = torch.randn(4, 1, 28, 28);
            Tensor want = model.forward(x);
            try (ScriptModel traced = ScriptModel.trace(model, x)) {
                assertTrue(traced.forward(x).sub(want).abs().max().item_double() < 1e-6);
                assertEquals("__torch__.torch.nn.modules.conv.Conv2d", traced.modules().get("conv1"));
                assertEquals(SimpleModelParameterCount.of(model), traced.parameterCount());
                assertTrue(runInPython(traced, "simple.pt", x).sub(want).abs().max().item_double() < 1e-5);
            }
            // the trace owns copies: changing the Java model leaves it as it was
            try (ScriptModel traced = ScriptModel.trace(model, x)) {
                model.named_parameters().get("fc2.weight").data().zero_();
                assertTrue(traced.forward(x).sub(want).abs().max().item_double() < 1e-6);
            }
        }
    }

    @Test
    @Tag("oracle")
    void aModuleWithAJavaForwardIsTracedIntoAModelPythonRuns() throws Exception {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(6);
            Module net = new Module();
            LinearImpl fc1 = net.register_module("fc1", new LinearImpl(8, 8));
            LinearImpl fc2 = net.register_module("fc2", new LinearImpl(8, 3));
            java.util.function.UnaryOperator<Tensor> forward = x -> fc2.forward(x.add(fc1.forward(x).relu()));
            Tensor x = torch.randn(5, 8);
            Tensor want = forward.apply(x);
            try (ScriptModel traced = ScriptModel.trace(net, forward, x)) {
                assertTrue(traced.forward(x).sub(want).abs().max().item_double() < 1e-6);
                assertEquals(2, traced.parameterInfo().stream().filter(p -> p.name().endsWith("weight")).count());
                assertTrue(traced.parameterInfo().get(0).name().startsWith("fc1."), traced.parameterInfo().toString());
                assertTrue(runInPython(traced, "java-forward.pt", x).sub(want).abs().max().item_double() < 1e-5);
            }
            // an exception in the Java forward arrives as itself, not as a crash
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ScriptModel.trace(net, t -> { throw new IllegalStateException("boom"); }, x));
            assertEquals("boom", e.getMessage());
        }
    }

    @Test
    void badFilesGiveTypedErrorsNamingTheFile() throws Exception {
        Path missing = tmp.resolve("missing.pt");
        TorchSlimException e = assertThrows(TorchSlimException.class, () -> ScriptModel.load(missing));
        assertTrue(e.getMessage().contains("missing.pt"), e.getMessage());
        Path junk = tmp.resolve("junk.pt");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5});
        e = assertThrows(TorchSlimException.class, () -> ScriptModel.load(junk));
        assertTrue(e.getMessage().contains("junk.pt"), e.getMessage());
    }

    @Test
    void useAfterCloseThrowsAndCloseWaitsForCallsInFlight() throws Exception {
        SequentialImpl model = SimpleModel.create();
        model.eval();
        Tensor x = torch.randn(256, 1, 28, 28);
        ScriptModel traced = ScriptModel.trace(model, x.narrow(0, 0, 1));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> running = pool.submit(() -> {
                for (int i = 0; i < 20; i++) {
                    try {
                        traced.forward(x).close();
                    } catch (IllegalStateException closed) {
                        return;
                    }
                }
            });
            Thread.sleep(20);
            traced.close();
            running.get();
        } finally {
            pool.shutdownNow();
        }
        assertThrows(IllegalStateException.class, () -> traced.forward(x));
        traced.close();  // a second close does nothing
    }

    /** Saves the model, runs it in Python on x, returns Python's output. */
    private Tensor runInPython(ScriptModel model, String name, Tensor x) throws Exception {
        Path file = tmp.resolve(name);
        model.save(file);
        Path xs = tmp.resolve(name + ".x.npy");
        Npy.write(xs, x);
        Path out = tmp.resolve(name + ".out.npy");
        PythonOracle.run("graph_models.py", "run", file.toString(), xs.toString(), out.toString());
        return Npy.read(out);
    }

    /** Parameters of a bytedeco module, counted in Java. */
    static final class SimpleModelParameterCount {
        static long of(SequentialImpl m) {
            long n = 0;
            var params = m.parameters();
            for (long i = 0; i < params.size(); i++) {
                n += params.get(i).numel();
            }
            return n;
        }
    }
}
