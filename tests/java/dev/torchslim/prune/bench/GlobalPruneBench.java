package dev.torchslim.prune.bench;

import dev.torchslim.core.TensorScope;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.jni.CoreApi;
import dev.torchslim.jni.PruneApi;
import dev.torchslim.prune.ChannelPruner;
import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.pytorch.*;
import org.bytedeco.pytorch.global.torch;

/**
 * Benchmark (not a test): global 50% L1 pruning of 12 x Linear 2048x2048 (50.4M parameters) on
 * 2 threads, and the forward latency of the demo CNN before and after removing 50% of channels.
 *
 * <pre>
 * BENCH_JAVA_OPTS=-Dorg.bytedeco.javacpp.nopointergc=true \
 *   tests/bench/run.sh dev.torchslim.prune.bench.GlobalPruneBench [reps] [all|prune|latency]
 * </pre>
 * Peer: tests/oracle/bench_prune_global.py.
 */
public final class GlobalPruneBench {
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        String part = args.length > 1 ? args[1] : "all"; // all | prune | latency
        TorchSlim.setNumThreads(2);
        System.out.println("threads=" + TorchSlim.numThreads());
        if (!part.equals("latency")) {
            globalPrune(reps);
        }
        if (!part.equals("prune")) {
            channelLatency(reps);
        }
    }

    static void globalPrune(int reps) {
        try (TensorScope s = new TensorScope()) {
            torch.manual_seed(0);
            SequentialImpl model = new SequentialImpl();
            for (int i = 0; i < 12; i++) {
                model.push_back("fc" + i, new LinearImpl(2048, 2048));
            }
            long params = CoreApi.count_parameters(model);
            TensorVector weights = new TensorVector();
            TensorVector copies = new TensorVector();
            for (int i = 0; i < 12; i++) {
                Tensor w = model.named_parameters().get("fc" + i + ".weight");
                weights.push_back(w);
                copies.push_back(w.detach().clone());
            }
            double[] prune = new double[reps];
            double[] copy = new double[reps];
            double[] masks = new double[reps];
            long pruned = 0;
            try (NoGradGuard g = new NoGradGuard()) {
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < 12; i++) {
                        weights.get(i).copy_(copies.get(i));
                    }
                    long t1 = System.nanoTime();
                    pruned = PruneApi.global_l1_prune_(weights, 0.5);
                    long t2 = System.nanoTime();
                    try (TensorScope inner = new TensorScope()) {
                        PruneApi.global_l1_unstructured_masks(copies, 0.5);
                    }
                    long t3 = System.nanoTime();
                    copy[r] = (t1 - t0) / 1e6;
                    prune[r] = (t2 - t1) / 1e6;
                    masks[r] = (t3 - t2) / 1e6;
                }
            }
            long zeros = CoreApi.count_parameters(model) - CoreApi.count_nonzero_parameters(model);
            System.out.printf(Locale.ROOT, "params=%d pruned=%d zeros(after)=%d%n", params, pruned, zeros);
            System.out.printf(Locale.ROOT, "java global_l1_prune_ (in place)   median %.1f ms  min %.1f ms%n",
                    median(prune), min(prune));
            System.out.printf(Locale.ROOT, "java global masks (12 new tensors) median %.1f ms  min %.1f ms%n",
                    median(masks), min(masks));
            System.out.printf(Locale.ROOT, "java copy of all weights           median %.1f ms  min %.1f ms%n",
                    median(copy), min(copy));
        }
    }

    static void channelLatency(int reps) {
        try (TensorScope s = new TensorScope()) {
            SequentialImpl dense = demoCnn();
            SequentialImpl slim = demoCnn();
            dense.eval();
            slim.eval();
            long before = CoreApi.count_parameters(slim);
            ChannelPruner.pruneAndRemove(slim, 0.5, 2);
            long after = CoreApi.count_parameters(slim);
            System.out.printf(Locale.ROOT, "demo CNN params %d -> %d after removing 50%% of channels%n", before, after);
            for (int batch : new int[] {1, 64, 1000}) {
                Tensor x = torch.randn(batch, 1, 28, 28);
                double[] d = new double[reps];
                double[] r = new double[reps];
                for (int i = 0; i < reps; i++) { // interleaved, so load changes hit both alike
                    d[i] = latency(dense, x, 1);
                    r[i] = latency(slim, x, 1);
                }
                System.out.printf(Locale.ROOT, "demo CNN batch %4d: dense %.3f ms, channels removed %.3f ms, speedup %.2fx%n",
                        batch, median(d), median(r), median(d) / median(r));
            }
        }
    }

    static double latency(SequentialImpl m, Tensor x, int reps) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < 20; i++) {
                try (TensorScope s = new TensorScope()) {
                    m.forward(x);
                }
            }
            double[] t = new double[reps];
            for (int r = 0; r < reps; r++) {
                int iters = (int) Math.max(3, 600 / x.size(0));
                long t0 = System.nanoTime();
                for (int i = 0; i < iters; i++) {
                    try (TensorScope s = new TensorScope()) {
                        m.forward(x);
                    }
                }
                t[r] = (System.nanoTime() - t0) / 1e6 / iters;
            }
            return median(t);
        }
    }

    static SequentialImpl demoCnn() {
        torch.manual_seed(1);
        return dev.torchslim.examples.model.SimpleModel.create();
    }

    static double median(double[] a) {
        double[] c = a.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    static double min(double[] a) {
        return Arrays.stream(a).min().orElse(Double.NaN);
    }
}
