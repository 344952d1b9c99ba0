package dev.torchslim.bench;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.examples.data.Dataset;
import dev.torchslim.examples.data.FashionMnist;
import dev.torchslim.jni.CoreApi;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.examples.train.Trainer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.global.torch;

/**
 * The foundation's benchmark (not a test): the cost of a trivial JNI call into libtorchslim, and
 * SimpleModel training epochs on Fashion-MNIST in Java and in Python torch 2.13, in one run.
 *
 * <pre>tests/bench/run.sh foundation [epochs] [threads] [python] [seed]</pre>
 */
public final class FoundationBenchmark {
    private FoundationBenchmark() {}

    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        String python = args.length > 2 ? args[2] : "target/pyenv/bin/python";
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 42;
        NativeLibrary.ensureLoaded();
        TorchSlim.setNumThreads(threads);
        PrintStream out = System.out;

        // 1. JNI call overhead: a native call that does nothing but read an int.
        long sink = 0;
        double[] nsPerCall = new double[5];
        for (int r = 0; r < 7; r++) {
            int n = 5_000_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += CoreApi.num_threads();
            }
            double ns = (System.nanoTime() - t0) / (double) n;
            if (r >= 2) {
                nsPerCall[r - 2] = ns;
            }
        }
        Arrays.sort(nsPerCall);
        out.printf(Locale.ROOT, "jni_call_ns median=%.1f min=%.1f (sink %d)%n", nsPerCall[2], nsPerCall[0], sink % 7);

        // 2. Training epochs, Java then Python, same data, model, optimizer, batch and threads.
        double[] java = new double[epochs];
        double javaAcc;
        try (Dataset train = FashionMnist.train(FashionMnist.defaultDir());
             Dataset test = FashionMnist.test(FashionMnist.defaultDir())) {
            Trainer trainer = new Trainer(train, test,
                    Trainer.Config.defaults().withSeed(seed).withProgress(false));
            torch.manual_seed(seed);
            SequentialImpl model = SimpleModel.create();
            List<Trainer.EpochResult> results = trainer.train(model, epochs);
            for (int e = 0; e < epochs; e++) {
                java[e] = results.get(e).seconds();
            }
            javaAcc = trainer.evaluate(model);
        }
        List<String> cmd = new ArrayList<>(List.of(python, "tests/oracle/simple_model_train.py",
                "--epochs", String.valueOf(epochs), "--threads", String.valueOf(threads), "--seed", String.valueOf(seed)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        double[] py = new double[epochs];
        double pyAcc = Double.NaN;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            int e = 0;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("{\"epoch\"")) {
                    py[e++] = Double.parseDouble(line.replaceAll(".*\"seconds\": ([0-9.eE+-]+).*", "$1"));
                } else if (line.startsWith("{\"accuracy\"")) {
                    pyAcc = Double.parseDouble(line.replaceAll(".*\"accuracy\": ([0-9.]+).*", "$1"));
                } else {
                    out.println("python: " + line);
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("python peer failed: " + cmd);
        }
        out.printf(Locale.ROOT, "%-6s %10s %10s %12s%n", "epoch", "java s", "python s", "java/python");
        for (int e = 0; e < epochs; e++) {
            out.printf(Locale.ROOT, "%-6d %10.2f %10.2f %12.2f%n", e + 1, java[e], py[e], java[e] / py[e]);
        }
        out.printf(Locale.ROOT, "test accuracy after %d epochs: java %.2f%%, python %.2f%%%n", epochs,
                100 * javaAcc, 100 * pyAcc);
    }
}
