package dev.torchslim.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.lowrank.LowRank;
import dev.torchslim.lowrank.LowRankResult;
import dev.torchslim.lowrank.RankPolicy;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.Npy;
import dev.torchslim.oracle.PythonOracle;
import dev.torchslim.prune.GraphChannelPruner;
import dev.torchslim.prune.Importance;
import dev.torchslim.quantize.Engine;
import dev.torchslim.quantize.Int8DynamicConfig;
import dev.torchslim.quantize.Int8QatConfig;
import dev.torchslim.quantize.Int8StaticConfig;
import dev.torchslim.quantize.Quantize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every exported file runs in ONNX Runtime's Java API: fp32 within 1e-4 (relative to the output's
 * largest magnitude) of LibTorch's forward of the same model, int8 with the int8 TorchScript model's
 * top-1 on at least 99% of the inputs and at least 3.5x smaller than fp32; onnx.checker
 * (full_check, Python) accepts every file.
 */
@Tag("oracle")
class OnnxExportTest {
    @TempDir
    Path tmp;

    private static Path realDir;

    static synchronized Path real(String name, String suffix) {
        if (realDir == null) {
            Path d = Paths.get("target", "onnx-models");
            if (!Files.exists(d.resolve("lstm.data.pt"))) {
                try {
                    Files.createDirectories(d);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                PythonOracle.run("onnx_export.py", "make", d.toString());
            }
            realDir = d;
        }
        return realDir.resolve(name + suffix);
    }

    static double relativeError(Tensor got, Tensor want) {
        return got.sub(want).abs().max().item_double() / want.abs().max().item_double();
    }

    static double top1Agreement(Tensor got, Tensor want) {
        return got.argmax(new org.bytedeco.pytorch.LongOptional(1), false).eq(
                want.argmax(new org.bytedeco.pytorch.LongOptional(1), false)).to(torch.ScalarType.Float).mean().item_double();
    }

    static long[] shapeOf(Tensor x, long batch) {
        long[] s = x.sizes().vec().get().clone();
        s[0] = batch;
        return s;
    }

    /** Exports model with a symbolic batch, runs the file in ORT on x; returns ORT's output. */
    Tensor exportAndRun(ScriptModel model, Tensor x, Path file) throws Exception {
        OnnxExportOptions options = new OnnxExportOptions(List.<long[]>of(shapeOf(x, 1)),
                !x.is_floating_point(), true, OnnxExportOptions.DEFAULT_OPSET);
        OnnxExporter.Result r = OnnxExporter.export(model, options, file);
        assertEquals(Files.size(file), r.bytes());
        try (OnnxRuntimeModel m = OnnxRuntimeModel.open(file, 2)) {
            return m.forward(x);
        }
    }

    Tensor checkFp32(ScriptModel model, Tensor x, Path file) throws Exception {
        Tensor want = model.forward(x);
        Tensor got = exportAndRun(model, x, file);
        assertTrue(Arrays.equals(want.sizes().vec().get(), got.sizes().vec().get()), "output shape");
        double err = relativeError(got, want);
        assertTrue(err <= 1e-4, file.getFileName() + ": ORT differs from LibTorch by " + err + " (relative)");
        System.out.printf("onnx-export %s: fp32 max error %.2e of the output's largest magnitude, %d bytes%n",
                file.getFileName(), err, Files.size(file));
        return want;
    }

    void checkInt8(ScriptModel q, Tensor x, Path fp32, Path file, Tensor fp32Out) throws Exception {
        checkInt8(q, x, fp32, file, fp32Out, 0.99);
    }

    void checkInt8(ScriptModel q, Tensor x, Path fp32, Path file, Tensor fp32Out, double minAgreement) throws Exception {
        Tensor want = q.forward(x);
        Tensor got = exportAndRun(q, x, file);
        double agree = top1Agreement(got, want);
        double gap = got.sub(want).abs().max().item_double() / want.abs().max().item_double();
        System.out.printf("onnx-export %s: top-1 ORT int8 = TorchScript int8 on %.3f (max difference %.2e of the"
                + " largest output), ORT int8 = fp32 on %.3f, TorchScript int8 = fp32 on %.3f (%d inputs);"
                + " fp32 %d bytes / int8 %d bytes = %.2fx%n",
                file.getFileName(), agree, gap, top1Agreement(got, fp32Out), top1Agreement(want, fp32Out), x.size(0),
                Files.size(fp32), Files.size(file), (double) Files.size(fp32) / Files.size(file));
        assertTrue(agree >= minAgreement, file.getFileName() + ": ORT int8 keeps the int8 model's top-1 on " + agree
                + " of " + x.size(0) + " inputs");
        double ratio = (double) Files.size(fp32) / Files.size(file);
        assertTrue(ratio >= 3.5, file.getFileName() + " is only " + ratio + "x smaller than fp32");
    }

    static void checker(Path... files) {
        List<String> args = new ArrayList<>(List.of("check"));
        for (Path f : files) {
            args.add(f.toString());
        }
        String out = PythonOracle.run("onnx_export.py", args.toArray(new String[0]));
        for (String line : out.strip().split("\n")) {
            assertTrue(line.contains("\"ok\": true"), "onnx.checker: " + line);
        }
        assertEquals(files.length, out.strip().split("\n").length, out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "mobilenet_v2"})
    void torchvisionCnnFp32AndStaticInt8(String name) throws Exception {
        try (TensorScope scope = new TensorScope(); ScriptModel model = ScriptModel.load(real(name, ".pt"))) {
            Tensor x = TensorData.readNpy(real(name, ".x.npy"));
            Path fp32 = tmp.resolve(name + ".onnx");
            Tensor ref = checkFp32(model, x, fp32);
            TensorData data = TensorData.load(real(name, ".data.pt"));
            try (ScriptModel q = Quantize.apply(model, Int8StaticConfig.config().withEngine(Engine.X86),
                    data.batches(16, Integer.MAX_VALUE))) {
                Path int8 = tmp.resolve(name + ".int8.onnx");
                checkInt8(q, x, fp32, int8, ref);
                checker(fp32, int8);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "lstm"})
    void sequenceModelsFp32AndDynamicInt8(String name) throws Exception {
        try (TensorScope scope = new TensorScope(); ScriptModel model = ScriptModel.load(real(name, ".pt"))) {
            Tensor x = TensorData.readNpy(real(name, ".x.npy"));
            Path fp32 = tmp.resolve(name + ".onnx");
            Tensor ref = checkFp32(model, x, fp32);
            try (ScriptModel q = Quantize.apply(model, Int8DynamicConfig.config().withEngine(Engine.X86))) {
                Path int8 = tmp.resolve(name + ".int8.onnx");
                // the int8 LSTM is exported with LibTorch's per-step dynamic quantization (a Scan), so it keeps 99% too
                checkInt8(q, x, fp32, int8, ref, 0.99);
                checker(fp32, int8);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet", "depthwise", "lstm", "transformer"})
    void oracleArchitecturesFp32(String name) throws Exception {
        try (TensorScope scope = new TensorScope(); ScriptModel model = ScriptModel.load(GraphModels.file(name, ".pt"))) {
            Tensor x = Npy.read(GraphModels.file(name, ".x.npy"));
            Path fp32 = tmp.resolve(name + ".onnx");
            checkFp32(model, x, fp32);
            checker(fp32);
        }
    }

    @Test
    void channelPrunedAndLowRankModelsExportSmallerGraphs() throws Exception {
        try (TensorScope scope = new TensorScope(); ScriptModel resnet = ScriptModel.load(GraphModels.file("resnet", ".pt"));
             ScriptModel transformer = ScriptModel.load(GraphModels.file("transformer", ".pt"))) {
            Tensor x = Npy.read(GraphModels.file("resnet", ".x.npy"));
            Path dense = tmp.resolve("resnet.dense.onnx");
            checkFp32(resnet, x, dense);
            GraphChannelPruner.Result pruned = GraphChannelPruner.prune(resnet, List.of(x.narrow(0, 0, 2)), null,
                    GraphChannelPruner.Options.of(Importance.L1, 0.5));
            try (ScriptModel small = pruned.model()) {
                Path file = tmp.resolve("resnet.pruned.onnx");
                checkFp32(small, x, file);
                assertTrue(Files.size(file) < Files.size(dense) * 0.6, "channel-pruned ONNX " + Files.size(file)
                        + " bytes vs dense " + Files.size(dense));
                checker(file);
            }
            // a residual stream that starts at the input: the pruned forward gathers the kept input features
            try (ScriptModel features = ScriptModel.load(GraphModels.file("features", ".pt"))) {
                Tensor f = Npy.read(GraphModels.file("features", ".x.npy"));
                GraphChannelPruner.Result slim = GraphChannelPruner.prune(features, List.of(f.narrow(0, 0, 2)), null,
                        GraphChannelPruner.Options.of(Importance.L1, 0.5));
                assertEquals(1, slim.inputs().size(), slim.inputs().toString());
                try (ScriptModel small = slim.model()) {
                    Path file = tmp.resolve("features.pruned.onnx");
                    checkFp32(small, f, file);
                    checker(file);
                }
            }
            Tensor t = Npy.read(GraphModels.file("transformer", ".x.npy"));
            Path denseT = tmp.resolve("transformer.dense.onnx");
            checkFp32(transformer, t, denseT);
            try (LowRankResult lr = LowRank.apply(transformer, RankPolicy.budget(0.5))) {
                assertTrue(lr.factorizedLayers() > 0);
                Path file = tmp.resolve("transformer.lowrank.onnx");
                checkFp32(lr.model(), t, file);
                assertTrue(Files.size(file) < Files.size(denseT), "low-rank ONNX " + Files.size(file)
                        + " bytes vs dense " + Files.size(denseT));
                checker(file);
            }
        }
    }

    @Test
    void demoSimpleModelFp32StaticAndQatInt8() throws Exception {
        try (TensorScope scope = new TensorScope()) {
            long[] shape = {1, SimpleModel.INPUT_SHAPE[0], SimpleModel.INPUT_SHAPE[1], SimpleModel.INPUT_SHAPE[2]};
            torch.manual_seed(3);
            try (ScriptModel model = ScriptModel.trace(SimpleModel.create(), torch.zeros(shape))) {
                model.eval();
                long[] batch = shape.clone();
                batch[0] = 100;
                Tensor x = torch.randn(batch);
                Path fp32 = tmp.resolve("simple.onnx");
                Tensor ref = checkFp32(model, x, fp32);
                List<Tensor> calibration = List.of(torch.randn(shapeOf(x, 32)), torch.randn(shapeOf(x, 32)));
                try (ScriptModel q = Quantize.apply(model, Int8StaticConfig.config().withEngine(Engine.X86), calibration)) {
                    Path int8 = tmp.resolve("simple.int8.onnx");
                    checkInt8(q, x, fp32, int8, ref);
                    checker(fp32, int8);
                }
                // QAT: fake-quantized graph (observers run on the calibration batches), then converted
                try (ScriptModel prepared = Quantize.prepareQat(model, Int8QatConfig.config())) {
                    for (Tensor b : calibration) {
                        prepared.forward(b);
                    }
                    try (ScriptModel q = Quantize.convert(prepared, Engine.X86)) {
                        Path int8 = tmp.resolve("simple.qat.onnx");
                        checkInt8(q, x, fp32, int8, ref);
                        checker(int8);
                    }
                }
            }
        }
    }

    @Test
    void unmappedOpNamesTheOpAndWritesNothing() throws Exception {
        org.bytedeco.pytorch.SequentialImpl seq = SimpleModel.create();
        try (TensorScope scope = new TensorScope();
             ScriptModel model = ScriptModel.trace(seq, x -> seq.forward(x).cumsum(1), torch.zeros(1, 1, 28, 28))) {
            Path out = tmp.resolve("cumsum.onnx");
            UnsupportedOpException e = assertThrows(UnsupportedOpException.class,
                    () -> OnnxExporter.export(model, OnnxExportOptions.input(1, 1, 28, 28), out));
            assertTrue(e.getMessage().contains("aten::cumsum"), e.getMessage());
            assertTrue(e.getMessage().contains("node:"), e.getMessage());
            assertFalse(Files.exists(out));
        }
    }
}
