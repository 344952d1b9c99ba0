package dev.torchslim.quantize;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parity with Python torch 2.13's eager quantization on the same weights and inputs. */
@Tag("oracle")
class QuantizeOracleTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "dynamic int8, per-channel {0}, {1}")
    @CsvSource({"false, x86", "true, x86", "false, fbgemm", "true, qnnpack"})
    void dynamicInt8MatchesQuantizeDynamic(boolean perChannel, String engine) throws Exception {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(11);
            SequentialImpl model = TestModels.build(TestModels.MLP);
            Tensor x = torch.randn(32, 64);
            TestModels.writeWeights(model, dir);
            Npy.write(dir.resolve("x.npy"), x);
            String modules = PythonOracle.run("quant_dynamic.py", dir.toString(), TestModels.MLP, perChannel ? "1" : "0",
                    engine);
            assertTrue(modules.contains("dynamic"), modules);
            Tensor expected = Npy.read(dir.resolve("out.npy"));
            Int8DynamicConfig config = Int8DynamicConfig.config().withPerChannel(perChannel)
                    .withEngine(Engine.parse(engine));
            try (QuantizedModel q = Quantize.apply(model, config)) {
                double err = TestModels.relativeError(q.forward(x), expected);
                System.out.printf("dynamic int8 parity (per-channel %s, %s): max rel error %.3g%n", perChannel, engine, err);
                assertTrue(err <= 1e-3, "relative error " + err);
            }
        }
    }

    @ParameterizedTest(name = "static int8, per-channel {0}, {1}")
    @CsvSource({"false, x86", "true, x86", "true, fbgemm", "false, qnnpack"})
    void staticInt8MatchesEagerPtq(boolean perChannel, String engine) throws Exception {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(12);
            SequentialImpl model = TestModels.build(TestModels.CNN);
            int batch = 16;
            List<Tensor> calibration = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calibration.add(torch.rand(batch, 1, 8, 8));
            }
            Tensor x = torch.rand(64, 1, 8, 8);
            TestModels.writeWeights(model, dir);
            Npy.write(dir.resolve("calib.npy"), torch.cat(new TensorVector(calibration.toArray(new Tensor[0]))));
            Npy.write(dir.resolve("x.npy"), x);
            PythonOracle.run("quant_static.py", dir.toString(), TestModels.CNN, perChannel ? "1" : "0", engine,
                    Integer.toString(batch));
            Tensor expected = Npy.read(dir.resolve("out.npy"));
            Int8StaticConfig config = new Int8StaticConfig(Observer.minMax(), perChannel, Engine.parse(engine));
            try (QuantizedModel q = Quantize.apply(model, config, calibration)) {
                double err = TestModels.relativeError(q.forward(x), expected);
                System.out.printf("static int8 parity (per-channel %s, %s): max rel error %.3g%n", perChannel, engine, err);
                assertTrue(err <= 1e-3, "relative error " + err + "\n" + q.describe());
            }
        }
        assertTrue(Files.exists(dir.resolve("out.npy")));
    }
}
