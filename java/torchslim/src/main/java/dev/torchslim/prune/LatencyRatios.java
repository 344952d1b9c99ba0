package dev.torchslim.prune;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-group pruning ratios that meet a latency target with the least importance removed: greedy
 * over the steps of the lookup table's ratios, each time taking the step that removes the least
 * (group-normalised) importance per millisecond it saves, until the predicted latency meets the
 * target or no step is left.
 */
public final class LatencyRatios {
    private LatencyRatios() {}

    /**
     * Chooses per-group ratios that bring the table's predicted latency down to the target: greedily
     * the next measured ratio step of the group that loses least importance per ms saved; the step
     * that would overshoot stops part way, where the table's linear savings meet the target.
     *
     * @param table the measured latency table
     * @param importance group id -> unit scores ({@link GraphChannelPruner#importance})
     * @param targetMs the latency target in milliseconds, &gt; 0
     * @return ratios by group id (groups left dense are absent); the target may be missed when
     *     every step is taken
     */
    public static Map<Integer, Double> choose(LatencyTable table, Map<Integer, double[]> importance, double targetMs) {
        if (!(targetMs > 0)) {
            throw new IllegalArgumentException("target latency must be > 0 ms, got " + targetMs);
        }
        double[] steps = table.ratios();
        Map<Integer, Integer> at = new TreeMap<>();  // group -> index of its current ratio step (-1 none)
        Map<Integer, double[]> sorted = new TreeMap<>();
        for (int g : table.groups()) {
            double[] s = importance.get(g);
            if (s == null || s.length < 2) {
                continue;
            }
            double[] c = s.clone();
            Arrays.sort(c);
            double mean = Arrays.stream(c).average().orElse(1);
            for (int i = 0; i < c.length; i++) {
                c[i] = mean > 0 ? c[i] / mean : 0;
            }
            sorted.put(g, c);
            at.put(g, -1);
        }
        Map<Integer, Double> ratios = new TreeMap<>();
        while (table.predictMs(ratios) > targetMs) {
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (Map.Entry<Integer, Integer> e : at.entrySet()) {
                int g = e.getKey();
                int i = e.getValue();
                if (i + 1 >= steps.length) {
                    continue;
                }
                double from = i < 0 ? 0 : steps[i];
                double to = steps[i + 1];
                double gain = table.savedMs(g, to) - table.savedMs(g, from);
                double lost = removed(sorted.get(g), to) - removed(sorted.get(g), from);
                double cost = lost / Math.max(gain, 1e-6);
                if (cost < bestCost) {
                    bestCost = cost;
                    best = g;
                }
            }
            if (best < 0) {
                break;
            }
            int next = at.get(best) + 1;
            at.put(best, next);
            ratios.put(best, steps[next]);
            double below = targetMs - unclamped(table, ratios);
            if (below > 0) {
                // The whole step overshoots the target: stop part way, where the table's linear
                // savings between the two measured ratios meet it.
                double from = next == 0 ? 0 : steps[next - 1];
                double gain = table.savedMs(best, steps[next]) - table.savedMs(best, from);
                if (gain > 0 && below < gain) {
                    ratios.put(best, from + (steps[next] - from) * (1 - below / gain));
                }
                break;
            }
        }
        return ratios;
    }

    /** The table's prediction before it is held at 0 (a step may save more than is left). */
    private static double unclamped(LatencyTable table, Map<Integer, Double> ratios) {
        double t = table.denseMs();
        for (Map.Entry<Integer, Double> e : ratios.entrySet()) {
            t -= table.savedMs(e.getKey(), e.getValue());
        }
        return t;
    }

    /** Normalised importance of the units a ratio removes (the least important first). */
    private static double removed(double[] sortedScores, double ratio) {
        int n = sortedScores.length;
        int k = (int) Math.min(Math.round(ratio * n), n - 1L);
        double sum = 0;
        for (int i = 0; i < k; i++) {
            sum += sortedScores[i];
        }
        return sum;
    }
}
