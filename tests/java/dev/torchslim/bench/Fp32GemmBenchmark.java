package dev.torchslim.bench;

import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * fp32 Linear latency in Java and Python torch 2.13 in one run, alternating rounds: the scripted
 * MLP of graph_bench.py (Linear 4096→4096, ReLU, Linear 4096→4096) at batch 1, 16 and 128 on 1 and
 * 2 threads, in Java with TorchSlim's GEMM routing on ({@link TorchSlim#setParallelGemm}) and off
 * (LibTorch's OpenBLAS sgemm at one thread), and in Python (MKL).
 * Usage: tests/bench/run.sh dev.torchslim.bench.Fp32GemmBenchmark [DIR] [ROUNDS]
 */
public final class Fp32GemmBenchmark {
    private Fp32GemmBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0] : "target/real-models");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        java.nio.file.Files.createDirectories(dir);
        PythonOracle.run("graph_bench.py", "mlp", dir.toString());
        Map<String, Double> best = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int threads : new int[] {1, 2}) {
                TorchSlim.setNumThreads(threads);
                try (TensorScope scope = new TensorScope(); ScriptModel mlp = ScriptModel.load(dir.resolve("mlp.pt"))) {
                    mlp.eval();
                    Tensor x = TensorData.readNpy(dir.resolve("mlp.x.npy"));
                    for (int batch : new int[] {1, 16, 128}) {
                        Tensor xb = x.narrow(0, 0, batch).contiguous();
                        for (boolean routed : new boolean[] {true, false}) {
                            TorchSlim.setParallelGemm(routed);
                            String key = threads + "|" + batch + "|" + (routed ? "java" : "java libtorch gemm");
                            best.merge(key, GraphQuantBenchmark.timeMs(mlp, xb), Math::min);
                        }
                    }
                }
                TorchSlim.setParallelGemm(true);
                String out = PythonOracle.run("graph_bench.py", "fp32", dir.toString(), String.valueOf(threads));
                for (String line : out.split("\n")) {
                    String[] p = line.trim().split("\t");
                    if (p.length == 2) {
                        best.merge(threads + "|" + p[0].split("\\|")[1] + "|python", Double.parseDouble(p[1]), Math::min);
                    }
                }
            }
        }
        System.out.printf("MLP 2 x Linear 4096x4096, best of %d rounds of medians, ms per batch%n", rounds);
        System.out.println("| threads | batch | Java, routing on | Java, LibTorch's gemm | Python (MKL) | Python / Java on | Python / Java off |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int threads : new int[] {1, 2}) {
            for (int batch : new int[] {1, 16, 128}) {
                double on = best.get(threads + "|" + batch + "|java");
                double off = best.get(threads + "|" + batch + "|java libtorch gemm");
                double py = best.get(threads + "|" + batch + "|python");
                System.out.printf("| %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f |%n", threads, batch, on, off, py, py / on, py / off);
            }
        }
    }
}
