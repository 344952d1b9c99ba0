package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.torchslim.data.FashionMnist;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./torchslim quantize on TorchScript files saved by Python torch 2.13; Python runs the output. */
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

    @Test
    void everyWeightModeWritesAFilePythonLoads() throws Exception {
        PythonOracle.run("quant_jit.py", "make", "linear:64:48,relu,linear:48:10", dir.toString());
        Path in = dir.resolve("model.pt");
        for (String mode : new String[] {"dynamic", "fp16", "bf16"}) {
            Path out = dir.resolve(mode + ".pt");
            assertEquals(0, quantize(in, out, mode, "--per-channel", "--engine", "qnnpack"), mode);
            String dtype = PythonOracle.run("quant_jit.py", "run", out.toString(), dir.resolve("x.npy").toString(),
                    dir.resolve("out.npy").toString());
            assertTrue(!dtype.isBlank(), mode);
        }
        for (String mode : new String[] {"weight-int8", "weight-int4"}) {
            Path out = dir.resolve(mode + ".tsw");
            assertEquals(0, quantize(in, out, mode, "--group", "16"), mode);
            PythonOracle.run("quant_jit.py", "weights", out.toString(), dir.toString());
            assertTrue(Files.size(out) * 3 < Files.size(in), mode + " is not smaller");
        }
    }

    @Test
    void badInputsExitNonZeroWithoutOutput() throws Exception {
        PythonOracle.run("quant_jit.py", "make", "linear:64:48,relu,linear:48:10", dir.toString());
        Path in = dir.resolve("model.pt");
        Path out = dir.resolve("never.pt");
        assertEquals(2, quantize(in, out, "int2"));
        assertEquals(1, quantize(dir.resolve("missing.pt"), out, "dynamic"));
        assertEquals(1, quantize(in, out, "dynamic", "--engine", "tpu"));
        assertEquals(1, quantize(in, out, "static", "--data", dir.resolve("no-data").toString()));
        assertEquals(1, quantize(dir.resolve("x.npy"), out, "dynamic"));  // not TorchScript
        assertTrue(Files.notExists(out));
    }

    @Test
    void staticAndQatRunOnFashionMnist() throws Exception {
        assumeTrue(Files.isDirectory(FashionMnist.defaultDir()), "Fashion-MNIST not installed");
        Path in = dir.resolve("simple.pt");
        PythonOracle.run("quant_jit.py", "simple", in.toString());
        Path out = dir.resolve("static.pt");
        assertEquals(0, quantize(in, out, "static", "--calib", "4"));
        assertTrue(Files.size(out) > 0);
    }
}
