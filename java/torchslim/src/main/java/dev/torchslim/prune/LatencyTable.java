package dev.torchslim.prune;

import dev.torchslim.core.Progress;
import dev.torchslim.graph.ScriptModel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * A latency lookup table measured on this machine: for each channel group, the model's fastest
 * forward time with only that group pruned at each of several ratios, at the batch and thread
 * count given (set the threads before measuring). Dense runs are interleaved with every
 * measurement so that load drifting on a shared machine hits both alike; each entry is stored as
 * the fraction of time saved against the dense runs beside it (so load that drifts between entries
 * cancels), in milliseconds of the table's dense time. Entries are differences of close times, so
 * they use the fastest run of each model (what other processes' load delays least; medians of
 * the same runs swung by more than the savings on a machine loaded by parallel builds), and a
 * group's savings never fall as its ratio grows.
 */
public final class LatencyTable {
    private final double denseMs;
    private final double[] ratios;
    private final Map<Integer, double[]> savedMs;

    private LatencyTable(double denseMs, double[] ratios, Map<Integer, double[]> savedMs) {
        this.denseMs = denseMs;
        this.ratios = ratios;
        this.savedMs = savedMs;
    }

    /** A table from known figures (tests). */
    static LatencyTable of(double denseMs, double[] ratios, Map<Integer, double[]> savedMs) {
        return new LatencyTable(denseMs, ratios.clone(), new TreeMap<>(savedMs));
    }

    /**
     * Measures groups (ids of the analysis) at ratios, runs timed forward passes per entry.
     *
     * @param model the dense model
     * @param example one example tensor per forward argument, for the pruning analysis
     * @param batch the input the forward passes are timed on
     * @param groups the group ids to measure
     * @param ratios the ratios each group is pruned at, ascending
     * @param runs timed forward passes per model and entry, at least 1
     * @param importance the criterion that chooses the channels
     * @return the table
     */
    public static LatencyTable measure(ScriptModel model, List<Tensor> example, Tensor batch, Set<Integer> groups,
            double[] ratios, int runs, Importance importance) {
        if (ratios.length == 0 || runs < 1) {
            throw new IllegalArgumentException("need at least one ratio and one run");
        }
        Map<Integer, double[]> saved = new TreeMap<>();
        double[] dense = new double[groups.size() * ratios.length];
        int k = 0;
        try (Progress.Task progress = Progress.task("latency table", (long) groups.size() * ratios.length)) {
            for (int g : groups) {
                double[] s = new double[ratios.length];
                for (int i = 0; i < ratios.length; i++) {
                    GraphChannelPruner.Options o = new GraphChannelPruner.Options(importance, 0, Map.of(g, ratios[i]),
                            List.of(), 0);
                    try (ScriptModel pruned = GraphChannelPruner.prune(model, example, null, o).model()) {
                        double[] ms = fastest(model, pruned, batch, runs);
                        dense[k++] = ms[0];
                        s[i] = Math.max(i == 0 ? 0 : s[i - 1], Math.min(1, 1 - ms[1] / ms[0]));
                    }
                    progress.step();
                }
                saved.put(g, s);
            }
        }
        Arrays.sort(dense);
        double d = dense.length == 0 ? 0 : dense[dense.length / 2];
        for (double[] s : saved.values()) {
            for (int i = 0; i < s.length; i++) {
                s[i] *= d;  // the fraction saved beside each entry's own dense runs, in ms of the table's dense
            }
        }
        return new LatencyTable(d, ratios.clone(), saved);
    }

    /**
     * Median ms of the two models' forward passes, alternated run by run after a warm-up.
     *
     * @param a the first model
     * @param b the second model
     * @param x the input of both
     * @param runs timed passes per model, at least 1
     * @return {@code {a's median ms, b's median ms}}
     */
    public static double[] interleaved(ScriptModel a, ScriptModel b, Tensor x, int runs) {
        double[][] t;
        try (Progress.Task progress = Progress.task("latency (" + runs + " runs)", runs)) {
            t = timed(a, b, x, runs, progress);
        }
        return new double[] {t[0][runs / 2], t[1][runs / 2]};
    }

    /**
     * The fastest ms of the two models' forward passes, alternated run by run after a warm-up.
     *
     * @param a the first model
     * @param b the second model
     * @param x the input of both
     * @param runs timed passes per model, at least 1
     * @return {@code {a's fastest ms, b's fastest ms}}
     */
    public static double[] fastest(ScriptModel a, ScriptModel b, Tensor x, int runs) {
        double[][] t = timed(a, b, x, runs, null);
        return new double[] {t[0][0], t[1][0]};
    }

    private static final long WARM_UP_NANOS = 500_000_000L;

    /** Both models' times, alternated run by run after a warm-up, each sorted ascending. */
    private static double[][] timed(ScriptModel a, ScriptModel b, Tensor x, int runs, Progress.Task progress) {
        double[] ta = new double[runs];
        double[] tb = new double[runs];
        try (NoGradGuard g = new NoGradGuard()) {
            // Warm up for WARM_UP_NANOS and at least 2 passes each: the interpreter's profiling runs, the
            // allocator, and the JVM compiling this loop (its compiler threads share the cores the timed
            // passes use; sub-millisecond models read up to 1.5x slow in the first half second).
            long start = System.nanoTime();
            for (int i = 0; i < 2 || System.nanoTime() - start < WARM_UP_NANOS; i++) {
                a.forward(x).close();
                b.forward(x).close();
            }
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                a.forward(x).close();
                long t1 = System.nanoTime();
                b.forward(x).close();
                long t2 = System.nanoTime();
                ta[i] = (t1 - t0) / 1e6;
                tb[i] = (t2 - t1) / 1e6;
                if (progress != null) {
                    progress.step();
                }
            }
        }
        Arrays.sort(ta);
        Arrays.sort(tb);
        return new double[][] {ta, tb};
    }

    /**
     * The dense model's median forward time.
     *
     * @return milliseconds: the median of the dense model's fastest times measured beside each entry
     */
    public double denseMs() {
        return denseMs;
    }

    /**
     * The ratios each group was measured at.
     *
     * @return a copy of the ratios
     */
    public double[] ratios() {
        return ratios.clone();
    }

    /**
     * Milliseconds saved by pruning group alone at ratio (linear between measured ratios, 0 at 0).
     *
     * @param group the group id
     * @param ratio the ratio
     * @return the saved milliseconds; 0 for a group not measured
     */
    public double savedMs(int group, double ratio) {
        double[] s = savedMs.get(group);
        if (s == null || ratio <= 0) {
            return 0;
        }
        double prevR = 0;
        double prevS = 0;
        for (int i = 0; i < ratios.length; i++) {
            if (ratio <= ratios[i]) {
                return prevS + (s[i] - prevS) * (ratio - prevR) / (ratios[i] - prevR);
            }
            prevR = ratios[i];
            prevS = s[i];
        }
        return prevS;
    }

    /**
     * Predicted ms of the model pruned at the given per-group ratios (savings assumed additive).
     *
     * @param groupRatios ratios by group id
     * @return the predicted milliseconds, at least 0
     */
    public double predictMs(Map<Integer, Double> groupRatios) {
        double t = denseMs;
        for (Map.Entry<Integer, Double> e : groupRatios.entrySet()) {
            t -= savedMs(e.getKey(), e.getValue());
        }
        return Math.max(t, 0);
    }

    /**
     * The measured groups.
     *
     * @return their ids
     */
    public Set<Integer> groups() {
        return savedMs.keySet();
    }
}
