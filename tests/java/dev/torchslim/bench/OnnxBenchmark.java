package dev.torchslim.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.data.TensorData;
import dev.torchslim.export.OnnxExportOptions;
import dev.torchslim.export.OnnxExporter;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.prune.GraphChannelPruner;
import dev.torchslim.prune.Importance;
import dev.torchslim.quantize.Engine;
import dev.torchslim.quantize.Int8DynamicConfig;
import dev.torchslim.quantize.Int8StaticConfig;
import dev.torchslim.quantize.Quantize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Latency at batch 1 of the exported ONNX files in ONNX Runtime (Java API) fp32 and int8, and of the
 * int8 TorchScript model in LibTorch, in one run, same threads: ResNet-18 (static int8, QDQ) and BERT
 * (dynamic int8); then ResNet-18 fp32 dense against channel-pruned (l1, 50%) in ONNX Runtime. Usage: tests/bench/run.sh dev.torchslim.bench.OnnxBenchmark [DIR] [THREADS] [ROUNDS]
 * (DIR from tests/oracle/onnx_export.py make DIR).
 */
public final class OnnxBenchmark {
    private OnnxBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0] : "target/onnx-models");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        TorchSlim.setNumThreads(threads);
        Path out = Files.createTempDirectory("onnx-bench");
        System.out.printf("threads %d, rounds %d, batch 1, best round's median ms per forward%n", threads, rounds);
        System.out.println("| model | ORT fp32 ms | ORT int8 ms | LibTorch int8 ms | ORT fp32 / ORT int8 | LibTorch int8 / ORT int8 | fp32 MB | int8 MB |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (String name : List.of("resnet18", "bert")) {
            try (TensorScope scope = new TensorScope(); ScriptModel fp32 = ScriptModel.load(dir.resolve(name + ".pt"))) {
                Tensor x = TensorData.readNpy(dir.resolve(name + ".x.npy")).narrow(0, 0, 1);
                boolean ids = !x.is_floating_point();
                try (ScriptModel int8 = ids ? Quantize.apply(fp32, Int8DynamicConfig.config().withEngine(Engine.X86))
                        : Quantize.apply(fp32, Int8StaticConfig.config().withEngine(Engine.X86),
                                TensorData.load(dir.resolve(name + ".data.pt")).batches(16, 2))) {
                    OnnxExportOptions options = new OnnxExportOptions(List.<long[]>of(x.sizes().vec().get()), ids, false,
                            OnnxExportOptions.DEFAULT_OPSET);
                    Path f32 = out.resolve(name + ".onnx");
                    Path i8 = out.resolve(name + ".int8.onnx");
                    OnnxExporter.export(fp32, options, f32);
                    OnnxExporter.export(int8, options, i8);
                    double ortFp32 = Double.MAX_VALUE;
                    double ortInt8 = Double.MAX_VALUE;
                    double torchInt8 = Double.MAX_VALUE;
                    for (int r = 0; r < rounds; r++) {
                        ortFp32 = Math.min(ortFp32, ortMs(f32, x, threads));
                        ortInt8 = Math.min(ortInt8, ortMs(i8, x, threads));
                        torchInt8 = Math.min(torchInt8, GraphQuantBenchmark.timeMs(int8, x));
                    }
                    System.out.printf("| %s | %.3f | %.3f | %.3f | %.2f | %.2f | %.2f | %.2f |%n", name, ortFp32, ortInt8,
                            torchInt8, ortFp32 / ortInt8, torchInt8 / ortInt8, Files.size(f32) / 1e6, Files.size(i8) / 1e6);
                }
            }
        }
        // a channel-pruned model exports a smaller graph: does ONNX Runtime run it faster?
        System.out.println();
        System.out.println("| model | ORT fp32 dense ms | ORT fp32 channel-pruned (l1, 50%) ms | dense / pruned | dense MB | pruned MB |");
        System.out.println("|---|---|---|---|---|---|");
        try (TensorScope scope = new TensorScope(); ScriptModel dense = ScriptModel.load(dir.resolve("resnet18.pt"))) {
            Tensor x = TensorData.readNpy(dir.resolve("resnet18.x.npy")).narrow(0, 0, 1);
            GraphChannelPruner.Result pruned = GraphChannelPruner.prune(dense, List.of(x), null,
                    GraphChannelPruner.Options.of(Importance.L1, 0.5));
            try (ScriptModel small = pruned.model()) {
                OnnxExportOptions options = OnnxExportOptions.input(x.sizes().vec().get());
                Path d = out.resolve("resnet18.dense.onnx");
                Path p = out.resolve("resnet18.pruned.onnx");
                OnnxExporter.export(dense, options, d);
                OnnxExporter.export(small, options, p);
                double denseMs = Double.MAX_VALUE;
                double prunedMs = Double.MAX_VALUE;
                for (int r = 0; r < rounds; r++) {
                    denseMs = Math.min(denseMs, ortMs(d, x, threads));
                    prunedMs = Math.min(prunedMs, ortMs(p, x, threads));
                }
                System.out.printf("| resnet18 | %.3f | %.3f | %.2f | %.2f | %.2f |%n", denseMs, prunedMs, denseMs / prunedMs,
                        Files.size(d) / 1e6, Files.size(p) / 1e6);
            }
        }
    }

    static double ortMs(Path file, Tensor x, int threads) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            try (OrtSession s = env.createSession(file.toString(), o); OnnxTensor in = tensor(env, x)) {
                Map<String, OnnxTensor> feed = Map.of(s.getInputNames().iterator().next(), in);
                for (int i = 0; i < 5; i++) {
                    s.run(feed).close();
                }
                List<Double> times = new ArrayList<>();
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (times.size() < 10 || (System.nanoTime() < deadline && times.size() < 200)) {
                    long t = System.nanoTime();
                    s.run(feed).close();
                    times.add((System.nanoTime() - t) / 1e6);
                }
                double[] a = times.stream().mapToDouble(Double::doubleValue).toArray();
                Arrays.sort(a);
                return a[a.length / 2];
            }
        }
    }

    private static OnnxTensor tensor(OrtEnvironment env, Tensor x) throws Exception {
        return dev.torchslim.export.OnnxRuntimeModel.tensor(env, x);
    }
}
