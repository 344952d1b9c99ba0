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
 * Batch-1 3x3 depthwise convolutions at MobileNetV2's 224 x 224 shapes (dense, and with half the
 * channels as channel pruning at 0.5 leaves them), in Java with TorchSlim's kernel routing on (the
 * direct depthwise kernel) and off (LibTorch's oneDNN), and in Python torch 2.13, alternating rounds;
 * microseconds per call (best median of the rounds) and the sum over the network's 17 depthwise
 * convolutions. Files from {@code graph_bench.py dw}.
 * Usage: tests/bench/run.sh dev.torchslim.bench.DepthwiseConvBenchmark [DIR] [ROUNDS] [THREADS]
 */
public final class DepthwiseConvBenchmark {
    /** channels, input side, stride, count in MobileNetV2 (graph_bench.DEPTHWISE). */
    private static final int[][] SHAPES = {
        {32, 112, 1, 1}, {96, 112, 2, 1}, {144, 56, 1, 1}, {144, 56, 2, 1}, {192, 28, 1, 2},
        {192, 28, 2, 1}, {384, 14, 1, 4}, {576, 14, 1, 2}, {576, 14, 2, 1}, {960, 7, 1, 3}};

    private DepthwiseConvBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0] : "target/op-latency");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Files.createDirectories(dir);
        PythonOracle.run("graph_bench.py", "dw", dir.toString());
        TorchSlim.setNumThreads(threads);
        Map<String, Double> best = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int[] shape : SHAPES) {
                for (int half = 1; half <= 2; half++) {
                    String key = (shape[0] / half) + "-" + shape[1] + "-" + shape[2];
                    try (ScriptModel m = ScriptModel.load(dir.resolve("dw-" + key + ".pt"));
                            Tensor x = torch.randn(1, shape[0] / half, shape[1], shape[1])) {
                        m.eval();
                        for (boolean routed : new boolean[] {true, false}) {
                            TorchSlim.setParallelGemm(routed);
                            best.merge(key + (routed ? "|direct" : "|onednn"), GraphQuantBenchmark.timeMs(m, x) * 1e3,
                                    Math::min);
                        }
                    }
                }
            }
            TorchSlim.setParallelGemm(true);
            String out = PythonOracle.run("graph_bench.py", "dw-time", dir.toString(), String.valueOf(threads));
            for (String line : out.split("\n")) {
                String[] p = line.trim().split("\t");
                if (p.length == 2) {
                    best.merge(p[0] + "|python", Double.parseDouble(p[1]), Math::min);
                }
            }
        }
        System.out.printf("3x3 depthwise conv, batch 1, %d threads, best of %d rounds of medians, us per call%n",
                threads, rounds);
        System.out.println("| channels | input | stride | in MobileNetV2 | Java, direct kernel | Java, LibTorch (oneDNN) |"
                + " Python | oneDNN / direct | Python / direct |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        double[][] sums = new double[2][3];
        for (int[] shape : SHAPES) {
            for (int half = 1; half <= 2; half++) {
                String key = (shape[0] / half) + "-" + shape[1] + "-" + shape[2];
                double direct = best.get(key + "|direct");
                double onednn = best.get(key + "|onednn");
                double py = best.getOrDefault(key + "|python", Double.NaN);
                System.out.printf("| %d | %dx%d | %d | %d (%s) | %.1f | %.1f | %.1f | %.2f | %.2f |%n", shape[0] / half,
                        shape[1], shape[1], shape[2], shape[3], half == 1 ? "dense" : "pruned", direct, onednn, py,
                        onednn / direct, py / direct);
                sums[half - 1][0] += shape[3] * direct;
                sums[half - 1][1] += shape[3] * onednn;
                sums[half - 1][2] += shape[3] * py;
            }
        }
        for (int half = 1; half <= 2; half++) {
            double[] s = sums[half - 1];
            System.out.printf("| all 17, %s | | | | %.0f | %.0f | %.0f | %.2f | %.2f |%n", half == 1 ? "dense" : "pruned",
                    s[0], s[1], s[2], s[1] / s[0], s[2] / s[0]);
        }
    }
}
