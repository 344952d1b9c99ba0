package dev.torchslim.bench;

import dev.torchslim.core.TorchSlim;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-op cost of small ops in Java (bytedeco's LibTorch 2.13) and Python torch 2.13 in one run,
 * alternating rounds: each file of {@code graph_bench.py ops} repeats one op 20 times on the sizes of
 * a 64-token, 128-wide transformer layer (layer_norm, a 128x128 Linear, add, 4-head SDPA, view /
 * transpose / reshape); prints microseconds per op, best median of the rounds, on 1 and 2 threads.
 * The op-for-op reading of why a small model is slower from Java than from Python.
 * Usage: tests/bench/run.sh dev.torchslim.bench.OpLatencyBenchmark [DIR] [ROUNDS]
 */
public final class OpLatencyBenchmark {
    private static final String[] OPS = {"layer_norm", "linear_64x128x128", "add", "sdpa_4x64x32", "view_transpose_reshape"};
    private static final int REPEATS = 20;

    private OpLatencyBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0] : "target/op-latency");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Files.createDirectories(dir);
        PythonOracle.run("graph_bench.py", "ops", dir.toString());
        Map<String, Double> best = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int threads : new int[] {1, 2}) {
                TorchSlim.setNumThreads(threads);
                try (Tensor x = torch.randn(1, 64, 128)) {
                    for (String op : OPS) {
                        try (ScriptModel m = ScriptModel.load(dir.resolve("op-" + op + ".pt"))) {
                            m.eval();
                            best.merge(threads + "|" + op + "|java", GraphQuantBenchmark.timeMs(m, x) * 1e3 / REPEATS,
                                    Math::min);
                        }
                    }
                }
                String out = PythonOracle.run("graph_bench.py", "ops-time", dir.toString(), String.valueOf(threads));
                for (String line : out.split("\n")) {
                    String[] p = line.trim().split("\t");
                    if (p.length == 2) {
                        best.merge(threads + "|" + p[0] + "|python", Double.parseDouble(p[1]), Math::min);
                    }
                }
            }
        }
        System.out.println("| threads | op (64 x 128 sizes) | Java us | Python us | Java / Python |");
        System.out.println("|---|---|---|---|---|");
        for (int threads : new int[] {1, 2}) {
            for (String op : OPS) {
                double j = best.get(threads + "|" + op + "|java");
                double p = best.getOrDefault(threads + "|" + op + "|python", Double.NaN);
                System.out.printf("| %d | %s | %.2f | %.2f | %.2f |%n", threads, op, j, p, j / p);
            }
        }
    }
}
