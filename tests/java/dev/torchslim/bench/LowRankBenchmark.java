package dev.torchslim.bench;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.lowrank.SvdMethod;
import dev.torchslim.lowrank.TruncatedSvd;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The low-rank benchmark (not a test): truncated SVD of an N x N matrix at rank R, exact (LAPACK)
 * against randomized (2 and 4 power iterations), time and Frobenius error over the optimal one,
 * on a Gaussian matrix (flat spectrum: the hard case) and on one with a decaying spectrum
 * (sigma_i = 1/i for 2R values, plus noise: a trained layer's shape); then dense against
 * factorized matmul latency at batch 64; then Python torch 2.13's linalg.svd and svd_lowrank on
 * the Gaussian matrix.
 *
 * <pre>tests/bench/run.sh dev.torchslim.bench.LowRankBenchmark [n 4096] [rank 512] [threads 2] [gaussian,decaying] [python]</pre>
 *
 * OpenBLAS stays at TorchSlim's default of one thread. Do not rebuild while it runs: the build
 * replaces the native library it has mapped.
 */
public final class LowRankBenchmark {
    private LowRankBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int rank = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        String matrices = args.length > 3 ? args[3] : "gaussian,decaying";
        String python = args.length > 4 ? args[4] : "target/pyenv/bin/python";
        NativeLibrary.ensureLoaded();
        TorchSlim.setNumThreads(threads);
        System.out.printf(Locale.ROOT, "n %d, rank %d, %d LibTorch threads, 1 OpenBLAS thread%n", n, rank, threads);
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(0);
            if (matrices.contains("gaussian")) {
                svd("gaussian", torch.randn(n, n), rank);
            }
            if (matrices.contains("decaying")) {
                Tensor u = torch.linalg_qr(torch.randn(n, 2L * rank)).get0();
                Tensor v = torch.linalg_qr(torch.randn(n, 2L * rank)).get0();
                Tensor s = torch.arange(new Scalar(1), new Scalar(2 * rank + 1)).reciprocal().to(torch.ScalarType.Float);
                svd("decaying", u.mul(s.unsqueeze(0)).mm(v.t()).add(torch.randn(n, n).mul(new Scalar(1e-4))), rank);
            }
            latency(n, rank);
        }
        ProcessBuilder pb = new ProcessBuilder(python, "tests/oracle/lowrank_models.py", "bench", Integer.toString(n),
                Integer.toString(rank)).redirectErrorStream(true);
        Process p = pb.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            System.out.println("python: " + r.readLine());
        }
        p.waitFor();
    }

    private static double frobeniusError(Tensor a, TruncatedSvd f) {
        Tensor d = a.sub(f.u().mul(f.s().unsqueeze(0)).mm(f.vh()));
        return Math.sqrt(d.mul(d).sum().item_double());
    }

    private static void svd(String name, Tensor a, int rank) {
        long t0 = System.nanoTime();
        TruncatedSvd exact = TruncatedSvd.compute(a, rank, SvdMethod.EXACT, 0, 0);
        double exactS = (System.nanoTime() - t0) / 1e9;
        double optimal = frobeniusError(a, exact);
        System.out.printf(Locale.ROOT, "%-9s exact            %7.2f s  error %.4f (optimal)%n", name, exactS, optimal);
        for (int q : new int[] {2, 4}) {
            double[] times = new double[1];
            TruncatedSvd r = null;
            for (int i = 0; i < times.length; i++) {
                long t = System.nanoTime();
                r = TruncatedSvd.compute(a, rank, SvdMethod.RANDOMIZED, q, i);
                times[i] = (System.nanoTime() - t) / 1e9;
            }
            Arrays.sort(times);
            System.out.printf(Locale.ROOT, "%-9s randomized q=%d   %7.2f s  error %.4fx optimal%n",
                    name, q, times[0], frobeniusError(a, r) / optimal);
        }
    }

    private static void latency(int n, int rank) {
        Tensor x = torch.randn(64, n);
        Tensor w = torch.randn(n, n);
        Tensor first = torch.randn(rank, n);
        Tensor second = torch.randn(n, rank);
        double dense = median(() -> torch.linear(x, w));
        double factorized = median(() -> torch.linear(torch.linear(x, first), second));
        System.out.printf(Locale.ROOT, "linear %dx%d at batch 64: dense %.3f ms, rank %d factorized %.3f ms (%.2fx)%n", n, n,
                dense, rank, factorized, dense / factorized);
    }

    private static double median(java.util.function.Supplier<Tensor> op) {
        double[] ms = new double[21];
        for (int i = 0; i < 5; i++) {
            op.get().close();
        }
        for (int i = 0; i < ms.length; i++) {
            long t = System.nanoTime();
            op.get().close();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }
}
