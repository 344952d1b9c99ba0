package dev.torchslim.bench;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.model.SimpleModel;
import dev.torchslim.quantize.Int8DynamicConfig;
import dev.torchslim.quantize.Int8StaticConfig;
import dev.torchslim.quantize.Quantize;
import dev.torchslim.quantize.QuantizedModel;
import dev.torchslim.quantize.WeightOnlyConfig;
import dev.torchslim.quantize.WeightOnlyFile;
import dev.torchslim.report.Evaluable;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Quantization benchmark (not a test): 2 x Linear 4096x4096 fp32 vs dynamic int8 at batch
 * 1/16/128, SimpleModel fp32 vs static int8 at batch 64, in Java and in its Python peer
 * tests/oracle/quant_bench.py, alternating for a number of rounds (each figure keeps its best
 * round, which damps a shared machine's noise); then file sizes.
 *
 * <pre>tests/bench/run.sh dev.torchslim.bench.QuantizationBenchmark [threads=2] [rounds=3] [python]</pre>
 */
public final class QuantizationBenchmark {
    private static final Map<Integer, Integer> RUNS = Map.of(1, 200, 16, 100, 128, 30, 64, 60);
    /** fp32 is context only (and slow at batch 1 with this LibTorch's BLAS): fewer runs. */
    private static final Map<Integer, Integer> FP32_RUNS = Map.of(1, 20, 16, 20, 128, 10, 64, 30);

    private QuantizationBenchmark() {}

    /** {median, minimum} milliseconds per forward after 10 warm-up calls. */
    static double[] ms(Evaluable f, Tensor x, int runs) {
        double[] ms = new double[runs];
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < 10 + runs; i++) {
                try (TensorScope s = new TensorScope()) {
                    long t0 = System.nanoTime();
                    f.forward(x);
                    if (i >= 10) {
                        ms[i - 10] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
        }
        Arrays.sort(ms);
        return new double[] {ms[runs / 2], ms[0]};
    }

    private static void best(Map<String, double[]> into, String key, double[] v) {
        into.merge(key, v, (a, b) -> new double[] {Math.min(a[0], b[0]), Math.min(a[1], b[1])});
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String python = args.length > 2 ? args[2] : "target/pyenv/bin/python";
        NativeLibrary.ensureLoaded();
        TorchSlim.setNumThreads(threads);
        PrintStream out = System.out;
        Map<String, double[]> java = new HashMap<>();
        Map<String, double[]> py = new HashMap<>();

        torch.manual_seed(0);
        SequentialImpl linear = new SequentialImpl();
        linear.push_back("0", new LinearImpl(4096, 4096));
        linear.push_back("1", new LinearImpl(4096, 4096));
        linear.eval();
        SequentialImpl simple = SimpleModel.create();
        simple.eval();
        List<Tensor> calibration = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calibration.add(torch.randn(64, 1, 28, 28));
        }
        try (QuantizedModel q = Quantize.apply(linear, Int8DynamicConfig.config());
             QuantizedModel qs = Quantize.apply(simple, Int8StaticConfig.config(), calibration)) {
            for (int r = 0; r < rounds; r++) {
                for (int batch : new int[] {1, 16, 128}) {
                    try (TensorScope s = new TensorScope()) {
                        Tensor x = torch.randn(batch, 4096);
                        best(java, "linear_fp32/" + batch, ms(linear::forward, x, FP32_RUNS.get(batch)));
                        best(java, "linear_dynamic_int8/" + batch, ms(q::forward, x, RUNS.get(batch)));
                    }
                }
                try (TensorScope s = new TensorScope()) {
                    Tensor x = torch.randn(64, 1, 28, 28);
                    best(java, "simple_fp32/64", ms(simple::forward, x, FP32_RUNS.get(64)));
                    best(java, "simple_static_int8/64", ms(qs::forward, x, RUNS.get(64)));
                }
                python(python, threads, py, out);
                out.printf(Locale.ROOT, "round %d of %d done%n", r + 1, rounds);
            }
            out.printf(Locale.ROOT, "%d threads, %d rounds; ms per forward, best round's median (minimum)%n", threads,
                    rounds);
            out.printf(Locale.ROOT, "%-20s %5s %17s %17s %17s %17s %14s %13s %13s%n", "model", "batch", "java fp32",
                    "java int8", "py fp32", "py int8", "java/py int8", "py speedup", "java speedup");
            row(out, "2 x Linear 4096", "linear_fp32", "linear_dynamic_int8", new int[] {1, 16, 128}, java, py);
            row(out, "SimpleModel static", "simple_fp32", "simple_static_int8", new int[] {64}, java, py);
            sizes(linear, q, out);
        }
    }

    private static void python(String python, int threads, Map<String, double[]> py, PrintStream out) throws Exception {
        Process p = new ProcessBuilder(python, "tests/oracle/quant_bench.py", "--threads", String.valueOf(threads))
                .redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("{\"what\"")) {
                    String what = line.replaceAll(".*\"what\": \"([a-z0-9_]+)\".*", "$1");
                    String batch = line.replaceAll(".*\"batch\": ([0-9]+).*", "$1");
                    best(py, what + "/" + batch, new double[] {
                        Double.parseDouble(line.replaceAll(".*\"ms\": ([0-9.eE+-]+),.*", "$1")),
                        Double.parseDouble(line.replaceAll(".*\"min\": ([0-9.eE+-]+).*", "$1"))});
                } else {
                    out.println("python: " + line);
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("python peer failed");
        }
    }

    private static void sizes(SequentialImpl linear, QuantizedModel q, PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("torchslim-qbench");
        Path fp32 = dir.resolve("fp32.pt");
        try (OutputArchive a = new OutputArchive()) {
            linear.save(a);
            a.save_to(fp32.toString());
        }
        Path int8 = dir.resolve("int8.tsq");
        q.save(int8);
        Path w8 = dir.resolve("w8.tsw");
        Path w4 = dir.resolve("w4.tsw");
        WeightOnlyFile.save(linear, WeightOnlyConfig.int8(), w8);
        WeightOnlyFile.save(linear, WeightOnlyConfig.int4(), w4);
        long base = Files.size(fp32);
        out.printf(Locale.ROOT, "file sizes, 2 x Linear 4096x4096: fp32 (torch::save) %d B; dynamic int8 model %d B"
                + " (%.2fx smaller); weight-only int8 %d B (%.2fx); weight-only int4 group 64 %d B (%.2fx)%n", base,
                Files.size(int8), (double) base / Files.size(int8), Files.size(w8), (double) base / Files.size(w8),
                Files.size(w4), (double) base / Files.size(w4));
        for (Path p : List.of(fp32, int8, w8, w4)) {
            Files.delete(p);
        }
        Files.delete(dir);
    }

    private static void row(PrintStream out, String name, String fp32, String int8, int[] batches,
            Map<String, double[]> java, Map<String, double[]> py) {
        for (int b : batches) {
            double[] jf = java.get(fp32 + "/" + b), ji = java.get(int8 + "/" + b);
            double[] pf = py.get(fp32 + "/" + b), pi = py.get(int8 + "/" + b);
            out.printf(Locale.ROOT, "%-20s %5d %9.3f (%.3f) %9.3f (%.3f) %9.3f (%.3f) %9.3f (%.3f) %6.3f (%.3f) %6.2f (%.2f)"
                    + " %6.2f (%.2f)%n", name, b, jf[0], jf[1], ji[0], ji[1], pf[0], pf[1], pi[0], pi[1], ji[0] / pi[0],
                    ji[1] / pi[1], pf[0] / pi[0], pf[1] / pi[1], jf[0] / ji[0], jf[1] / ji[1]);
        }
    }
}
