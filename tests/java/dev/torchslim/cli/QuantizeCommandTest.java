package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ./torchslim quantize on real architectures saved by Python torch 2.13; Python runs every output. */
@Tag("oracle")
class QuantizeCommandTest {
    @TempDir
    Path dir;

    private int quantize(Path in, Path out, String mode, String... more) {
        String[] base = {"quantize", "--in", in.toString(), "--out", out.toString(), "--mode", mode};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return Main.run(all);
    }

    private Tensor runInPython(Path file, String name) throws Exception {
        Path out = dir.resolve(file.getFileName() + ".out.npy");
        PythonOracle.run("graph_models.py", "run", file.toString(), GraphModels.file(name, ".x.npy").toString(),
                out.toString());
        return Npy.read(out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet", "depthwise", "lstm", "transformer"})
    void everyModeWritesAModelPythonRuns(String name) throws Exception {
        Path in = GraphModels.file(name, ".pt");
        Path data = GraphModels.file(name, ".data.pt");
        Tensor ref = Npy.read(GraphModels.file(name, ".ref.npy"));
        double range = ref.max().item_double() - ref.min().item_double();
        for (String mode : new String[] {"dynamic", "static", "qat", "fp16", "bf16", "weight-int8", "weight-int4"}) {
            Path out = dir.resolve(name + "." + mode + ".pt");
            int rc = mode.equals("static") || mode.equals("qat")
                    ? quantize(in, out, mode, "--data", data.toString(), "--batch", "16", "--epochs", "1")
                    : quantize(in, out, mode, "--group", "32");
            assertEquals(0, rc, name + " " + mode);
            Tensor got = runInPython(out, name);
            double err = got.sub(ref).abs().max().item_double() / range;
            // int8 and int4 change outputs by a few percent of the range; a broken model by far more
            double bound = mode.equals("qat") ? 0.5 : mode.equals("weight-int4") ? 0.25 : 0.1;
            assertTrue(err < bound, name + " " + mode + ": output differs from fp32 by " + err + " of the range");
            if (mode.startsWith("weight-")) {
                // small models: code, biases and BatchNorm weigh in; real models' ratios are in docs/benchmarks.md
                double ratio = (double) Files.size(in) / Files.size(out);
                assertTrue(ratio > (mode.equals("weight-int8") ? 2.2 : 2.5), name + " " + mode + " only " + ratio + "x smaller");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet", "transformer"})
    void qatOnTheModelsOwnOutputsNeedsNoLabels(String name) throws Exception {
        Path in = GraphModels.file(name, ".pt");
        Path x = GraphModels.file(name, ".x.npy");  // inputs only: no y
        Tensor ref = Npy.read(GraphModels.file(name, ".ref.npy"));
        double range = ref.max().item_double() - ref.min().item_double();
        for (String loss : new String[] {"fp32-mse", "fp32-kd"}) {
            Path out = dir.resolve(name + "." + loss + ".pt");
            List<String> more = new ArrayList<>(List.of("--data", x.toString(), "--batch", "8", "--epochs", "2", "--loss", loss));
            if (loss.equals("fp32-kd")) {
                more.addAll(List.of("--temperature", "2"));
            }
            assertEquals(0, quantize(in, out, "qat", more.toArray(String[]::new)), name + " " + loss);
            double err = runInPython(out, name).sub(ref).abs().max().item_double() / range;
            assertTrue(err < 0.5, name + " " + loss + ": output differs from fp32 by " + err + " of the range");
        }
        // labels are still needed for the labelled losses
        assertEquals(1, quantize(in, dir.resolve("never.pt"), "qat", "--data", x.toString(), "--loss", "ce"));
    }

    @Test
    void badInputsExitNonZeroWithoutOutput() throws Exception {
        Path in = GraphModels.file("resnet", ".pt");
        Path out = dir.resolve("never.pt");
        assertEquals(2, quantize(in, out, "int2"));
        assertEquals(1, quantize(dir.resolve("missing.pt"), out, "dynamic"));
        assertEquals(1, quantize(in, out, "dynamic", "--engine", "tpu"));
        assertEquals(2, quantize(in, out, "static"));
        assertEquals(1, quantize(in, out, "static", "--data", dir.resolve("no-data.pt").toString()));
        assertEquals(1, quantize(GraphModels.file("resnet", ".x.npy"), out, "dynamic"));  // not TorchScript
        assertEquals(1, quantize(in, out, "dynamic", "--keep-float", "no.such.module"));
        assertEquals(2, quantize(in, out, "dynamic", "--min-agreement", "0.95"));  // static only
        assertEquals(2, quantize(in, out, "static", "--data", GraphModels.file("resnet", ".data.pt").toString(),
                "--float-candidates", "fc"));  // needs --min-agreement
        assertEquals(2, quantize(in, out, "static", "--data", GraphModels.file("resnet", ".data.pt").toString(),
                "--min-agreement", "1.5"));
        assertEquals(2, quantize(in, out, "qat", "--data", GraphModels.file("resnet", ".data.pt").toString(),
                "--loss", "hinge"));
        assertEquals(2, quantize(in, out, "qat", "--data", GraphModels.file("resnet", ".data.pt").toString(),
                "--loss", "fp32-mse", "--temperature", "2"));  // fp32-kd only
        assertTrue(Files.notExists(out));
    }
}
