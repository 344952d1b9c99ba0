package dev.torchslim.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.examples.model.StudentModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The models TorchSlim builds survive the garbage collector. The tests of this project run with
 * {@code nopointergc=true}, which hides a collected Java wrapper deleting a module that a
 * Sequential still holds; this test runs a child JVM with JavaCPP's GC deallocation on, as a
 * user's program has it, and collects between every train/forward.
 */
class ModulesGcTest {
    /** The child JVM: builds every model and module, then collects and runs them repeatedly. */
    public static void main(String[] args) {
        NativeLibrary.ensureLoaded();
        List<SequentialImpl> models = new java.util.ArrayList<>(List.of(SimpleModel.create(), StudentModel.create()));
        SequentialImpl other = new SequentialImpl();
        other.push_back("bn", Modules.batchNorm2d(1));
        other.push_back("avg", Modules.avgPool2d(2, 2));
        other.push_back("adaptive", Modules.adaptiveAvgPool2d(2, 2));
        other.push_back("max", Modules.maxPool2d(1));
        other.push_back("drop", Modules.dropout2d(0.1));
        other.push_back("flatten", new org.bytedeco.pytorch.FlattenImpl());
        other.push_back("bn1", Modules.batchNorm1d(4));
        other.push_back("drop1", Modules.dropout(0.1));
        models.add(other);
        Tensor x = torch.randn(2, 1, 28, 28);
        for (int i = 0; i < 40; i++) {
            System.gc();
            for (SequentialImpl m : models) {
                m.train(i % 2 == 0);
                m.forward(x);
            }
        }
        System.out.println("survived");
    }

    @Test
    void modelsSurviveTheGarbageCollector() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Dorg.bytedeco.javacpp.nopointergc=false",
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", System.getProperty("java.class.path"),
                ModulesGcTest.class.getName())
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child JVM did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("survived"), text);
    }

    @Test
    void badArgumentsAreTypedErrors() {
        NativeLibrary.ensureLoaded();
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.torchslim.core.TorchSlimException.class,
                () -> Modules.dropout(1.5));
        assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(dev.torchslim.core.TorchSlimException.class,
                () -> Modules.maxPool2d(0));
    }
}
