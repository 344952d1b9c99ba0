package dev.torchslim.bench;

import dev.torchslim.core.TorchSlim;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Batch-1 convolutions at MobileNetV2's 224 x 224 shapes (dense, and with half the channels as
 * channel pruning at 0.5 leaves them): its 17 3x3 depthwise and 34 1x1 convolutions, in Java with
 * TorchSlim's kernel routing on (the direct depthwise kernel; the 1x1 product split over LibTorch's
 * threads) and off (LibTorch's own: oneDNN, or its single-threaded "slow" conv2d for small 1x1
 * inputs), and in Python torch 2.13, alternating rounds; microseconds per call (best median of the
 * rounds) and the sum over the network's layers of each kind. Files from {@code graph_bench.py conv}.
 * Usage: tests/bench/run.sh dev.torchslim.bench.MobileNetConvBenchmark [DIR] [ROUNDS] [THREADS]
 */
public final class MobileNetConvBenchmark {
    /** A benchmarked layer: its file name, input shape, count in MobileNetV2, and whether it is the halved one. */
    private record Layer(String kind, String name, String label, long[] input, int count, boolean pruned) {}

    /** channels, input side, stride, count (graph_bench.DEPTHWISE). */
    private static final int[][] DEPTHWISE = {
        {32, 112, 1, 1}, {96, 112, 2, 1}, {144, 56, 1, 1}, {144, 56, 2, 1}, {192, 28, 1, 2},
        {192, 28, 2, 1}, {384, 14, 1, 4}, {576, 14, 1, 2}, {576, 14, 2, 1}, {960, 7, 1, 3}};
    /** in, out, input side, count (graph_bench.POINTWISE). */
    private static final int[][] POINTWISE = {
        {32, 16, 112, 1}, {16, 96, 112, 1}, {96, 24, 56, 1}, {24, 144, 56, 2}, {144, 24, 56, 1}, {144, 32, 28, 1},
        {32, 192, 28, 3}, {192, 32, 28, 2}, {192, 64, 14, 1}, {64, 384, 14, 4}, {384, 64, 14, 3}, {384, 96, 14, 1},
        {96, 576, 14, 3}, {576, 96, 14, 2}, {576, 160, 7, 1}, {160, 960, 7, 3}, {960, 160, 7, 2}, {960, 320, 7, 1},
        {320, 1280, 7, 1}};

    private MobileNetConvBenchmark() {}

    private static List<Layer> layers() {
        List<Layer> out = new java.util.ArrayList<>();
        for (int[] s : DEPTHWISE) {
            for (int half = 1; half <= 2; half++) {
                int c = s[0] / half;
                out.add(new Layer("3x3 depthwise", "dw-" + c + "-" + s[1] + "-" + s[2],
                        c + " ch, " + s[1] + "x" + s[1] + ", stride " + s[2], new long[] {1, c, s[1], s[1]}, s[3],
                        half == 2));
            }
        }
        for (int[] s : POINTWISE) {
            for (int half = 1; half <= 2; half++) {
                int in = s[0] / half;
                int out2 = s[1] / half;
                out.add(new Layer("1x1", "pw-" + in + "-" + out2 + "-" + s[2], in + " -> " + out2 + " ch, " + s[2] + "x"
                        + s[2], new long[] {1, in, s[2], s[2]}, s[3], half == 2));
            }
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0] : "target/op-latency");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Files.createDirectories(dir);
        PythonOracle.run("graph_bench.py", "conv", dir.toString());
        TorchSlim.setNumThreads(threads);
        List<Layer> layers = layers();
        Map<String, Double> best = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (Layer l : layers) {
                try (ScriptModel m = ScriptModel.load(dir.resolve(l.name() + ".pt")); Tensor x = torch.randn(l.input())) {
                    m.eval();
                    for (boolean routed : new boolean[] {true, false}) {
                        TorchSlim.setParallelGemm(routed);
                        best.merge(l.name() + (routed ? "|routed" : "|libtorch"), GraphQuantBenchmark.timeMs(m, x) * 1e3,
                                Math::min);
                    }
                }
            }
            TorchSlim.setParallelGemm(true);
            String out = PythonOracle.run("graph_bench.py", "conv-time", dir.toString(), String.valueOf(threads));
            for (String line : out.split("\n")) {
                String[] p = line.trim().split("\t");
                if (p.length == 2) {
                    best.merge(p[0] + "|python", Double.parseDouble(p[1]), Math::min);
                }
            }
        }
        System.out.printf("MobileNetV2's convolutions, batch 1, %d threads, best of %d rounds of medians, us per call%n",
                threads, rounds);
        System.out.println("| layer | shape | in MobileNetV2 | Java, TorchSlim routing | Java, LibTorch's kernel |"
                + " Python | LibTorch / routing | Python / routing |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (Layer l : layers) {
            double routed = best.get(l.name() + "|routed");
            double lib = best.get(l.name() + "|libtorch");
            double py = best.getOrDefault(l.name() + "|python", Double.NaN);
            System.out.printf("| %s | %s | %d (%s) | %.1f | %.1f | %.1f | %.2f | %.2f |%n", l.kind(), l.label(), l.count(),
                    l.pruned() ? "pruned" : "dense", routed, lib, py, lib / routed, py / routed);
            double[] s = sums.computeIfAbsent(l.kind() + "|" + l.pruned(), k -> new double[4]);
            s[0] += l.count() * routed;
            s[1] += l.count() * lib;
            s[2] += l.count() * py;
            s[3] += l.count();
        }
        for (Map.Entry<String, double[]> e : sums.entrySet()) {
            String[] k = e.getKey().split("\\|");
            double[] s = e.getValue();
            System.out.printf("| all %d %s, %s | | | %.0f | %.0f | %.0f | %.2f | %.2f |%n", (int) s[3], k[0],
                    Boolean.parseBoolean(k[1]) ? "pruned" : "dense", s[0], s[1], s[2], s[1] / s[0], s[2] / s[0]);
        }
    }
}
