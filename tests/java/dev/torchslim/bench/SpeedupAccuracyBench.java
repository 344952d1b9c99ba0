package dev.torchslim.bench;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.examples.data.Dataset;
import dev.torchslim.examples.data.FashionMnist;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.prune.GraphChannelPruner;
import dev.torchslim.prune.Importance;
import dev.torchslim.prune.LatencyRatios;
import dev.torchslim.prune.LatencyTable;
import dev.torchslim.train.GraphTrainer;
import dev.torchslim.train.Loss;
import dev.torchslim.examples.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Latency-driven ratios against uniform ones at the same measured speed-up (a benchmark, not a
 * test), on the demo's SimpleModel trained on Fashion-MNIST: {@code --speedup S} chooses per-group
 * ratios from a latency table measured here; uniform ratios 0.05..0.95 are pruned too, every model
 * is timed round-robin with the dense one in one loop (the fastest run of each counts: the machine
 * is shared), and the uniform ratio whose measured
 * speed-up is nearest the latency-driven one's is its rival. Both fine-tune 1 epoch (Adam 1e-3,
 * batch 64, the same shuffling seed) and are scored on the 10,000 test images.
 *
 * <pre>tests/bench/run.sh dev.torchslim.bench.SpeedupAccuracyBench [speedup 2.0] [batch 64] [threads 2] [runs 31]
 *     [lut-runs 9] [importance l2]</pre>
 *
 * The baseline is the demo's (target/demo-cache/simple-model-e3-s1.pt, trained here when absent).
 */
public final class SpeedupAccuracyBench {
    private SpeedupAccuracyBench() {}

    public static void main(String[] args) throws Exception {
        double speedup = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 31;
        int lutRuns = args.length > 4 ? Integer.parseInt(args[4]) : 9;
        Importance importance = Importance.of(args.length > 5 ? args[5] : "l2");
        NativeLibrary.ensureLoaded();
        TorchSlim.setNumThreads(threads);
        PrintStream out = System.out;
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        out.printf(Locale.ROOT, "speedup %.2f, batch %d, %d threads, %d timed runs, importance %s, load average %.1f%n",
                speedup, batch, threads, runs, importance, load);
        Path dir = FashionMnist.defaultDir();
        try (Dataset train = FashionMnist.train(dir); Dataset test = FashionMnist.test(dir)) {
            Trainer trainer = new Trainer(train, test, Trainer.Config.defaults().withSeed(1).withProgress(false));
            SequentialImpl baseline = baseline(trainer);
            Tensor example = test.images().narrow(0, 0, 2).contiguous();
            Tensor x = test.images().narrow(0, 0, batch).contiguous();
            ScriptModel dense = ScriptModel.trace(baseline, example);
            dense.eval();
            out.printf(Locale.ROOT, "baseline: accuracy %.2f%%, %d params%n",
                    100 * Trainer.accuracy(dense::forward, test), dense.parameterCount());
            List<Tensor> ex = List.of(example);
            GraphChannelPruner.Analysis a = GraphChannelPruner.analyse(dense, ex);
            Set<Integer> ids = new TreeSet<>();
            a.groups().forEach(g -> ids.add(g.id()));
            double[] lutRatios = {0.25, 0.5, 0.75, 0.9};
            LatencyTable table = LatencyTable.measure(dense, ex, x, ids, lutRatios, lutRuns, importance);
            double target = table.denseMs() / speedup;
            Map<Integer, double[]> scores = GraphChannelPruner.importance(dense, ex, null, importance, 0);
            Map<Integer, Double> chosen = LatencyRatios.choose(table, scores, target);
            out.printf(Locale.ROOT, "latency table: dense %.3f ms, target %.3f ms, predicted %.3f ms, ratios %s%n",
                    table.denseMs(), target, table.predictMs(chosen), chosen);

            List<String> names = new ArrayList<>();
            List<ScriptModel> models = new ArrayList<>();
            names.add("latency-driven");
            models.add(prune(dense, ex, new GraphChannelPruner.Options(importance, 0, chosen, List.of(), 0)));
            double[] uniform = new double[19];
            for (int i = 0; i < uniform.length; i++) {
                uniform[i] = 0.05 * (i + 1);
                names.add(String.format(Locale.ROOT, "uniform %.2f", uniform[i]));
                models.add(prune(dense, ex, GraphChannelPruner.Options.of(importance, uniform[i])));
            }
            double[][] timed = roundRobin(dense, models, x, runs);
            double[] ms = timed[0];
            double[] med = timed[1];
            double denseMs = ms[0];
            double driven = denseMs / ms[1];
            int best = 0;
            for (int i = 0; i < uniform.length; i++) {
                double s = denseMs / ms[i + 2];
                out.printf(Locale.ROOT, "  %s: fastest %.3f ms, %.2fx (median %.3f ms, %.2fx), %d params%n",
                        names.get(i + 1), ms[i + 2], s, med[i + 2], med[0] / med[i + 2], models.get(i + 1).parameterCount());
                if (Math.abs(s - driven) < Math.abs(denseMs / ms[best + 2] - driven)) {
                    best = i;
                }
            }
            out.printf(Locale.ROOT, "dense fastest %.3f ms (median %.3f); latency-driven fastest %.3f ms (median %.3f): "
                    + "%.2fx measured (target %.2fx, %+.1f%%; medians %.2fx)%n", denseMs, med[0], ms[1], med[1], driven,
                    speedup, 100 * (driven - speedup) / speedup, med[0] / med[1]);
            ScriptModel rival = models.get(best + 1);
            out.printf(Locale.ROOT, "uniform rival: ratio %.2f, %.2fx measured%n", uniform[best], denseMs / ms[best + 2]);
            TensorData data = TensorData.of("fashion-mnist train", train.images(), train.labels());
            GraphTrainer.Config c = new GraphTrainer.Config(64, 1e-3, 1, 1);
            for (int k : new int[] {0, best + 1}) {
                ScriptModel m = models.get(k);
                m.eval();
                double before = Trainer.accuracy(m::forward, test);
                GraphTrainer.fit(m, data, Loss.NLL, c);
                m.eval();
                double after = Trainer.accuracy(m::forward, test);
                out.printf(Locale.ROOT, "%s: %d params, accuracy %.2f%% right after pruning, %.2f%% after 1 epoch%n",
                        names.get(k), m.parameterCount(), 100 * before, 100 * after);
            }
            for (ScriptModel m : models) {
                m.close();
            }
            dense.close();
        }
    }

    private static ScriptModel prune(ScriptModel dense, List<Tensor> ex, GraphChannelPruner.Options o) {
        return GraphChannelPruner.prune(dense, ex, null, o).model();
    }

    /**
     * Fastest and median ms of dense then each model, timed in turn within every run (load drifts
     * hit all alike); the fastest run is what other processes' load delays least.
     */
    static double[][] roundRobin(ScriptModel dense, List<ScriptModel> models, Tensor x, int runs) {
        List<ScriptModel> all = new ArrayList<>();
        all.add(dense);
        all.addAll(models);
        double[][] t = new double[all.size()][runs];
        try (NoGradGuard g = new NoGradGuard()) {
            for (int w = 0; w < 3; w++) {
                for (ScriptModel m : all) {
                    m.forward(x).close();
                }
            }
            for (int r = 0; r < runs; r++) {
                for (int i = 0; i < all.size(); i++) {
                    long t0 = System.nanoTime();
                    all.get(i).forward(x).close();
                    t[i][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        double[] min = new double[all.size()];
        double[] med = new double[all.size()];
        for (int i = 0; i < all.size(); i++) {
            Arrays.sort(t[i]);
            min[i] = t[i][0];
            med[i] = t[i][runs / 2];
        }
        return new double[][] {min, med};
    }

    private static SequentialImpl baseline(Trainer trainer) throws Exception {
        torch.manual_seed(1);
        SequentialImpl model = SimpleModel.create();
        Path cached = Paths.get("target", "demo-cache", "simple-model-e3-s1.pt");
        if (Files.isRegularFile(cached)) {
            try (InputArchive archive = new InputArchive()) {
                archive.load_from(cached.toString());
                model.load(archive);
            }
            System.out.println("baseline: " + cached);
        } else {
            System.out.println("baseline: training SimpleModel for 3 epochs (seed 1; not cached)");
            trainer.train(model, 3);
        }
        model.eval();
        return model;
    }
}
