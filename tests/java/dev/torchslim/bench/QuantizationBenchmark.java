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
 * Quantization benchmark (not a test), Java then its Python peer tests/oracle/quant_bench.py in
 * one run: 2 x Linear 4096x4096 fp32 vs dynamic int8 at batch 1/16/128, SimpleModel fp32 vs
 * static int8 at batch 64, and file sizes.
 *
 * <pre>tests/bench/run.sh dev.torchslim.bench.QuantizationBenchmark [threads] [python]</pre>
 */
public final class QuantizationBenchmark {
    private static final Map<Integer, Integer> RUNS = Map.of(1, 200, 16, 100, 128, 30, 64, 60);

    private QuantizationBenchmark() {}

    static double medianMs(Evaluable f, Tensor x, int runs) {
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
        return ms[runs / 2];
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        String python = args.length > 1 ? args[1] : "target/pyenv/bin/python";
        NativeLibrary.ensureLoaded();
        TorchSlim.setNumThreads(threads);
        PrintStream out = System.out;
        Map<String, Double> java = new HashMap<>();
        Path dir = Files.createTempDirectory("torchslim-qbench");

        torch.manual_seed(0);
        SequentialImpl linear = new SequentialImpl();
        linear.push_back("0", new LinearImpl(4096, 4096));
        linear.push_back("1", new LinearImpl(4096, 4096));
        linear.eval();
        try (QuantizedModel q = Quantize.apply(linear, Int8DynamicConfig.config())) {
            for (int batch : new int[] {1, 16, 128}) {
                try (TensorScope s = new TensorScope()) {
                    Tensor x = torch.randn(batch, 4096);
                    java.put("linear_fp32/" + batch, medianMs(linear::forward, x, RUNS.get(batch)));
                    java.put("linear_dynamic_int8/" + batch, medianMs(q::forward, x, RUNS.get(batch)));
                }
            }
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
            out.printf(Locale.ROOT, "file sizes, 2 x Linear 4096x4096: fp32 %d B; dynamic int8 model %d B (%.2fx);"
                    + " weight-only int8 %d B (%.2fx); weight-only int4 g64 %d B (%.2fx)%n", base, Files.size(int8),
                    (double) base / Files.size(int8), Files.size(w8), (double) base / Files.size(w8), Files.size(w4),
                    (double) base / Files.size(w4));
            for (Path p : List.of(fp32, int8, w8, w4)) {
                Files.delete(p);
            }
        }

        SequentialImpl simple = SimpleModel.create();
        simple.eval();
        try (TensorScope s = new TensorScope()) {
            List<Tensor> calibration = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calibration.add(torch.randn(64, 1, 28, 28));
            }
            try (QuantizedModel q = Quantize.apply(simple, Int8StaticConfig.config(), calibration)) {
                Tensor x = torch.randn(64, 1, 28, 28);
                java.put("simple_fp32/64", medianMs(simple::forward, x, RUNS.get(64)));
                java.put("simple_static_int8/64", medianMs(q::forward, x, RUNS.get(64)));
            }
        }
        Files.delete(dir);

        Map<String, Double> py = new HashMap<>();
        Process p = new ProcessBuilder(python, "tests/oracle/quant_bench.py", "--threads", String.valueOf(threads))
                .redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("{\"what\"")) {
                    String what = line.replaceAll(".*\"what\": \"([a-z0-9_]+)\".*", "$1");
                    String batch = line.replaceAll(".*\"batch\": ([0-9]+).*", "$1");
                    py.put(what + "/" + batch, Double.parseDouble(line.replaceAll(".*\"ms\": ([0-9.eE+-]+).*", "$1")));
                } else {
                    out.println("python: " + line);
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("python peer failed");
        }
        out.printf(Locale.ROOT, "%d threads; median ms per forward%n", threads);
        out.printf(Locale.ROOT, "%-22s %6s %10s %10s %10s %10s %12s %12s%n", "model", "batch", "java fp32", "java int8",
                "py fp32", "py int8", "java int8/py", "py speedup");
        row(out, "2 x Linear 4096", "linear_fp32", "linear_dynamic_int8", new int[] {1, 16, 128}, java, py);
        row(out, "SimpleModel static", "simple_fp32", "simple_static_int8", new int[] {64}, java, py);
    }

    private static void row(PrintStream out, String name, String fp32, String int8, int[] batches,
            Map<String, Double> java, Map<String, Double> py) {
        for (int b : batches) {
            double jf = java.get(fp32 + "/" + b), ji = java.get(int8 + "/" + b);
            double pf = py.get(fp32 + "/" + b), pi = py.get(int8 + "/" + b);
            out.printf(Locale.ROOT, "%-22s %6d %10.3f %10.3f %10.3f %10.3f %12.3f %12.2f  (java speedup %.2f)%n", name, b,
                    jf, ji, pf, pi, ji / pi, pf / pi, jf / ji);
        }
    }
}
