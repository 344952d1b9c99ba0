package dev.torchslim.bench;

import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.PythonOracle;
import dev.torchslim.quantize.Engine;
import dev.torchslim.quantize.Int8DynamicConfig;
import dev.torchslim.quantize.Int8StaticConfig;
import dev.torchslim.quantize.Quantize;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Latency of the same TorchScript files in Java (TorchSlim) and Python torch 2.13, in one run,
 * alternating rounds: fp32 as loaded, fp32 optimized for inference (oneDNN), and int8 (static
 * for CNNs, dynamic for BERT and the MLP, made by TorchSlim in Java and by quantize_jit /
 * quantize_dynamic_jit in Python with the same observers).
 * Usage: tests/bench/run.sh dev.torchslim.bench.GraphQuantBenchmark [DIR] [THREADS] [ROUNDS]
 * (DIR from tests/oracle/real_models.py make DIR; the MLP is made by tests/oracle/graph_bench.py).
 */
public final class GraphQuantBenchmark {
    private GraphQuantBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0] : "target/real-models");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        TorchSlim.setNumThreads(threads);
        PythonOracle.run("graph_bench.py", "mlp", dir.toString());
        Map<String, Double> java = new LinkedHashMap<>();
        Map<String, Double> python = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (String name : List.of("resnet18.trace", "bert", "mlp")) {
                for (int batch : new int[] {1, 32}) {
                    measureJava(dir, name, batch, java);
                }
            }
            String out = PythonOracle.run("graph_bench.py", "time", dir.toString(), String.valueOf(threads));
            for (String line : out.split("\n")) {
                String[] p = line.trim().split("\t");
                if (p.length == 2) {
                    python.merge(p[0], Double.parseDouble(p[1]), Math::min);
                }
            }
        }
        System.out.printf("threads %d, rounds %d, best of rounds, ms per batch%n", threads, rounds);
        System.out.println("| model | batch | variant | Java ms | Python ms | Python / Java |");
        System.out.println("|---|---|---|---|---|---|");
        for (Map.Entry<String, Double> e : java.entrySet()) {
            String[] k = e.getKey().split("\\|");
            Double p = python.get(e.getKey());
            System.out.printf("| %s | %s | %s | %.3f | %s | %s |%n", k[0], k[1], k[2], e.getValue(),
                    p == null ? "-" : String.format("%.3f", p), p == null ? "-" : String.format("%.2f", p / e.getValue()));
        }
    }

    private static void measureJava(Path dir, String name, int batch, Map<String, Double> out) throws Exception {
        try (TensorScope scope = new TensorScope(); ScriptModel fp32 = ScriptModel.load(dir.resolve(name + ".pt"))) {
            fp32.eval();
            Tensor x = TensorData.readNpy(dir.resolve(name + ".x.npy")).narrow(0, 0, batch);
            try (ScriptModel opt = fp32.optimizedForInference();
                 ScriptModel int8 = name.startsWith("resnet")
                         ? Quantize.apply(fp32, Int8StaticConfig.config().withEngine(Engine.X86),
                                 TensorData.load(dir.resolve(name + ".data.pt")).batches(16, 4))
                         : Quantize.apply(fp32, Int8DynamicConfig.config().withEngine(Engine.X86))) {
                out.merge(name + "|" + batch + "|fp32", timeMs(fp32, x), Math::min);
                out.merge(name + "|" + batch + "|fp32 optimized", timeMs(opt, x), Math::min);
                out.merge(name + "|" + batch + "|int8", timeMs(int8, x), Math::min);
            }
        }
    }

    /**
     * Median of timed runs after warm-up, in milliseconds, under no_grad as the Python side
     * times (with grad on, every fp32 forward also records the autograd graph).
     */
    static double timeMs(ScriptModel m, Tensor x) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < 5; i++) {
                m.forward(x).close();
            }
            List<Double> times = new ArrayList<>();
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (times.size() < 10 || (System.nanoTime() < deadline && times.size() < 200)) {
                long t = System.nanoTime();
                m.forward(x).close();
                times.add((System.nanoTime() - t) / 1e6);
            }
            double[] a = times.stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(a);
            return a[a.length / 2];
        }
    }
}
