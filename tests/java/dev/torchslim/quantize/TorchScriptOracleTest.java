package dev.torchslim.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TorchScript files from Python torch 2.13 in, TorchScript files Python runs out. */
@Tag("oracle")
class TorchScriptOracleTest {
    @TempDir
    Path dir;

    @Test
    void scriptedSequentialImportsQuantizesAndRunsBackInPython() throws Exception {
        PythonOracle.run("quant_jit.py", "make", TestModels.CNN, dir.toString());
        try (TensorScope scope = new TensorScope()) {
            SequentialImpl model = TorchScriptFiles.importSequential(dir.resolve("model.pt"));
            assertEquals("0_0", Quantize.layers(model).get(0).path());  // nested Sequential flattened
            Tensor x = Npy.read(dir.resolve("x.npy"));
            assertTrue(TestModels.relativeError(model.forward(x), Npy.read(dir.resolve("ref.npy"))) < 1e-6);

            try (QuantizedModel dynamic = Quantize.apply(model, Int8DynamicConfig.config().withEngine(Engine.X86));
                 QuantizedModel stat = Quantize.apply(model, Int8StaticConfig.config(), List.of(torch.rand(32, 1, 8, 8)))) {
                double parity = TestModels.relativeError(dynamic.forward(x), Npy.read(dir.resolve("dynamic.npy")));
                assertTrue(parity <= 1e-3, "dynamic int8 of the imported file vs Python: " + parity);
                for (QuantizedModel q : List.of(dynamic, stat)) {
                    Path file = dir.resolve(q.mode() + ".pt");
                    q.saveTorchScript(file);
                    PythonOracle.run("quant_jit.py", "run", file.toString(), dir.resolve("x.npy").toString(),
                            dir.resolve("out.npy").toString());
                    double err = TestModels.relativeError(Npy.read(dir.resolve("out.npy")), q.forward(x));
                    System.out.printf("%s int8 TorchScript run by Python vs Java: max rel error %.3g%n", q.mode(), err);
                    assertTrue(err <= 1e-6, q.mode() + ": " + err);
                }
            }
        }
    }

    @Test
    void anyTorchScriptModuleGetsWeightOnlyAndHalfPrecisionFiles() throws Exception {
        PythonOracle.run("quant_jit.py", "make", TestModels.MLP, dir.toString());
        Path in = dir.resolve("model.pt");
        try (TensorScope scope = new TensorScope()) {
            Tensor ref = Npy.read(dir.resolve("ref.npy"));
            Path w8 = dir.resolve("w8.tsw");
            TorchScriptFiles.saveWeightOnly(in, WeightOnlyConfig.int8(), w8);
            PythonOracle.run("quant_jit.py", "weights", w8.toString(), dir.toString());
            double err = TestModels.relativeError(Npy.read(dir.resolve("weights.npy")), ref);
            assertTrue(err < 0.01, "int8 weight-only file dequantized by Python: " + err);

            Path half = dir.resolve("fp16.pt");
            TorchScriptFiles.castPrecision(in, half, HalfPrecisionConfig.fp16());
            String dtype = PythonOracle.run("quant_jit.py", "run", half.toString(), dir.resolve("x.npy").toString(),
                    dir.resolve("out.npy").toString());
            assertTrue(dtype.contains("float16"), dtype);
            assertTrue(TestModels.relativeError(Npy.read(dir.resolve("out.npy")), ref) < 0.01);
            assertTrue(Files.size(half) < Files.size(in));
        }
        TorchSlimException e = assertThrows(TorchSlimException.class,
                () -> TorchScriptFiles.importSequential(dir.resolve("w8.tsw")));
        assertTrue(e.getMessage().length() > 0);
    }
}
