package dev.torchslim.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.jni.CoreApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.pytorch.LSTMImpl;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizeTest {
    @TempDir
    Path dir;

    private static List<Tensor> batches(int n, long... shape) {
        List<Tensor> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(torch.rand(shape));
        }
        return list;
    }

    @Test
    void layersAndEnginesAreListed() {
        SequentialImpl model = TestModels.build(TestModels.CNN);
        List<Layer> layers = Quantize.layers(model);
        assertEquals(new Layer("0", "Conv2d"), layers.get(0));
        assertEquals(new Layer("4", "Linear"), layers.get(4));
        assertTrue(Quantize.supportedEngines().contains(Engine.QNNPACK), Quantize.supportedEngines().toString());
    }

    @Test
    void dynamicQuantizesOnlyWhatTheFilterAccepts() {
        try (TensorScope scope = new TensorScope()) {
            SequentialImpl model = TestModels.build(TestModels.MLP);
            try (QuantizedModel all = Quantize.apply(model, Int8DynamicConfig.config());
                 QuantizedModel last = Quantize.apply(model, Int8DynamicConfig.config(), l -> l.path().equals("2"))) {
                assertEquals(2, all.describe().split("linear_dynamic_int8", -1).length - 1, all.describe());
                assertEquals(1, last.describe().split("linear_dynamic_int8", -1).length - 1, last.describe());
                assertEquals("dynamic", all.mode());
                assertEquals(CoreApi.count_parameters(model), all.parameterCount());
                // int8 weights: about a quarter of the float bytes
                assertTrue(all.sizeBytes() < CoreApi.state_bytes(model) / 3, all.sizeBytes() + " bytes");
            }
            TorchSlimException none = assertThrows(TorchSlimException.class,
                    () -> Quantize.apply(model, Int8DynamicConfig.config(), l -> false));
            assertTrue(none.getMessage().contains("nothing would be quantized"), none.getMessage());
        }
    }

    @Test
    void savedModelsRoundTripBitForBit() throws Exception {
        try (TensorScope scope = new TensorScope()) {
            SequentialImpl model = TestModels.build(TestModels.CNN);
            Path a = dir.resolve("a.tsq"), b = dir.resolve("b.tsq");
            Tensor x = torch.rand(8, 1, 8, 8);
            try (QuantizedModel q = Quantize.apply(model, Int8StaticConfig.config(), batches(3, 16, 1, 8, 8))) {
                q.save(a);
                try (QuantizedModel r = QuantizedModel.load(a)) {
                    r.save(b);
                    assertTrue(torch.equal(q.forward(x), r.forward(x)));
                    assertEquals("static", r.mode());
                    assertEquals(q.engine(), r.engine());
                }
            }
            assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(2, files.count(), "a temporary file was left behind");
            }
        }
    }

    @Test
    void closedModelsAndBadArgumentsFailInJava() {
        SequentialImpl model = TestModels.build(TestModels.MLP);
        QuantizedModel q = Quantize.apply(model, Int8DynamicConfig.config());
        q.close();
        q.close();
        assertThrows(IllegalStateException.class, () -> q.forward(torch.rand(1, 64)));
        assertThrows(IllegalArgumentException.class, () -> Observer.movingAverage(0));
        assertThrows(IllegalArgumentException.class, () -> Observer.histogramPercentile(101));
        assertThrows(IllegalArgumentException.class, () -> WeightOnlyConfig.int4(3));
        assertThrows(IllegalArgumentException.class, () -> new HalfPrecisionConfig("fp8"));
        assertThrows(IllegalArgumentException.class, () -> Engine.parse("tpu"));
        assertThrows(IllegalArgumentException.class, () -> QuantizedModel.load(dir.resolve("missing.tsq")));
        assertThrows(IllegalArgumentException.class,
                () -> Quantize.apply(model, Int8StaticConfig.config(), List.of()));
    }

    @Test
    void unsupportedModelsSayWhatIsSupported() {
        SequentialImpl model = new SequentialImpl();
        model.push_back("rnn", new LSTMImpl(4, 4));
        TorchSlimException e = assertThrows(TorchSlimException.class,
                () -> Quantize.apply(model, Int8DynamicConfig.config()));
        assertTrue(e.getMessage().contains("LSTM") && e.getMessage().contains("supported: Sequential"), e.getMessage());
        assertFalse(e.getMessage().contains("Exception raised from"), e.getMessage());
        SequentialImpl mlp = TestModels.build(TestModels.MLP);
        TorchSlimException conv = assertThrows(TorchSlimException.class,
                () -> Quantize.apply(TestModels.build(TestModels.CNN), Int8DynamicConfig.config(), l -> true));
        assertTrue(conv.getMessage().contains("Conv2d"), conv.getMessage());
        assertEquals(64 * 48 + 48 + 48 * 10 + 10, CoreApi.count_parameters(mlp));  // the JVM carries on
    }

    @Test
    void everyObserverGivesAModelCloseToFloat() {
        Observer[] observers = {Observer.minMax(), Observer.movingAverage(0.01), Observer.histogramPercentile(99.99),
            Observer.histogramMse()};
        for (Observer observer : observers) {
            try (TensorScope scope = new TensorScope()) {
                torch.manual_seed(5);
                SequentialImpl model = TestModels.build(TestModels.CNN);
                Tensor x = torch.rand(64, 1, 8, 8);
                Tensor ref = model.forward(x);
                try (QuantizedModel q = Quantize.apply(model, Int8StaticConfig.config().withObserver(observer),
                        batches(4, 32, 1, 8, 8))) {
                    double err = TestModels.relativeError(q.forward(x), ref);
                    assertTrue(err < 0.05, observer + ": relative error " + err);
                }
            }
        }
    }

    @Test
    void qatTrainsThroughFakeQuantizationAndConverts() {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(6);
            SequentialImpl model = TestModels.build(TestModels.MLP);
            SequentialImpl teacher = TestModels.build(TestModels.MLP);
            Tensor x = torch.randn(256, 64);
            Tensor y = teacher.forward(x).detach();
            model.train(true);
            SGD sgd = new SGD(model.parameters(), new SGDOptions(0.05));
            try (QatModel qat = Quantize.prepareQat(model, Int8QatConfig.config())) {
                double first = 0, last = 0;
                for (int step = 0; step < 60; step++) {
                    try (TensorScope s = new TensorScope()) {
                        sgd.zero_grad();
                        Tensor loss = torch.mse_loss(qat.forward(x), y);
                        loss.backward();
                        sgd.step();
                        last = loss.item_double();
                        first = step == 0 ? last : first;
                    }
                }
                assertTrue(last < first * 0.8, "QAT loss " + first + " -> " + last);
                model.eval();
                try (QuantizedModel q = qat.convert()) {
                    assertEquals("qat", q.mode());
                    double err = TestModels.relativeError(q.forward(x), model.forward(x));
                    assertTrue(err < 0.05, "int8 vs float after QAT: " + err);
                }
            }
        }
    }

    @Test
    void weightOnlyFilesShrinkAndLoadIntoAnyModule() throws Exception {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(7);
            SequentialImpl model = TestModels.build("linear:512:256,relu,linear:256:128");
            SequentialImpl copy = TestModels.build("linear:512:256,relu,linear:256:128");
            Tensor x = torch.randn(16, 512);
            Tensor ref = model.forward(x);
            long fp32 = CoreApi.state_bytes(model);
            for (WeightOnlyConfig config : new WeightOnlyConfig[] {WeightOnlyConfig.int8(), WeightOnlyConfig.int4()}) {
                Path file = dir.resolve("w" + config.bits() + ".tsw");
                WeightOnlyFile.save(model, config, file);
                WeightOnlyFile.load(file, copy);
                double ratio = (double) fp32 / Files.size(file);
                double err = TestModels.relativeError(copy.forward(x), ref);
                System.out.printf("weight-only int%d: file %.2fx smaller than fp32 state, max rel error %.3g%n",
                        config.bits(), ratio, err);
                assertTrue(ratio >= (config.bits() == 8 ? 3.5 : 6.0), config + ": " + ratio + "x smaller");
                assertTrue(err < (config.bits() == 8 ? 0.01 : 0.15), config + ": relative error " + err);
            }
            SequentialImpl other = TestModels.build("linear:512:200,relu,linear:200:128");
            assertThrows(TorchSlimException.class, () -> WeightOnlyFile.load(dir.resolve("w8.tsw"), other));
            Tensor beforeCast = copy.forward(x);
            Quantize.apply(copy, HalfPrecisionConfig.fp16());
            assertEquals("Half", copy.parameters().get(0).scalar_type().toString());
            Tensor half = copy.forward(x.to(torch.ScalarType.Half)).to(torch.ScalarType.Float);
            assertTrue(TestModels.relativeError(half, beforeCast) < 0.01);
        }
    }
}
