package dev.torchslim.sensitivity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.ToLongFunction;

/**
 * AIMET's greedy selection of per-unit compression ({@code GreedyCompRatioSelectAlgo}), independent of
 * the technique: each unit (a layer to factorize, a channel group to prune) has candidates, each
 * measured alone on the user's data (its loss) and with a size (smaller = more compressed). For a loss
 * threshold t every unit takes its smallest candidate whose loss is at most t (none: the unit is left
 * as it is); the smallest t whose choice costs at most the limit wins. The cost of a choice is the
 * technique's own count (a sum of per-layer parameters for low rank, the parameters of the whole
 * pruned model for channel pruning), so interactions between units are counted exactly.
 */
public final class GreedySelection {
    private GreedySelection() {}

    /**
     * One measured candidate of one unit.
     *
     * @param unit the unit's name (a module path, a group id)
     * @param setting the technique's setting (a fraction of full rank, a pruning ratio)
     * @param size the unit's size at this candidate (smaller is more compressed)
     * @param loss the mean loss on the data with only this unit at this candidate
     */
    public record Candidate(String unit, double setting, long size, double loss) {}

    /**
     * A choice under a limit.
     *
     * @param threshold greedy: the loss threshold that met the limit (NaN when none did, and for uniform)
     * @param setting uniform: the setting every unit takes (NaN for greedy)
     * @param met whether the cost is at most the limit
     * @param chosen the candidate chosen per unit (absent: the unit is left as it is)
     * @param cost the choice's cost
     * @param notes adjustments the technique made
     */
    public record Choice(double threshold, double setting, boolean met, Map<String, Candidate> chosen, long cost, List<String> notes) {}

    /**
     * A technique's change to a choice before it is costed (e.g. units that must be compressed
     * together); appends a note per change.
     */
    public interface Adjustment extends BiConsumer<Map<String, Candidate>, List<String>> {
        /** Leaves the choice as it is. */
        Adjustment NONE = (chosen, notes) -> { };
    }

    /**
     * The smallest loss threshold whose choice costs at most the limit; when even the smallest
     * candidate of every unit exceeds it, that choice with {@code met} false.
     *
     * @param units the units, in order
     * @param candidates every unit's candidates
     * @param baseLoss the loss of the uncompressed model (the first threshold tried)
     * @param adjust the technique's adjustment of a choice
     * @param cost the cost of a choice
     * @param limit the largest cost allowed
     * @return the choice
     */
    public static Choice choose(List<String> units, List<Candidate> candidates, double baseLoss, Adjustment adjust,
            ToLongFunction<Map<String, Candidate>> cost, long limit) {
        TreeSet<Double> thresholds = new TreeSet<>();
        thresholds.add(baseLoss);
        candidates.forEach(c -> thresholds.add(c.loss()));
        for (double t : thresholds) {
            Map<String, Candidate> chosen = new LinkedHashMap<>();
            for (String u : units) {
                Candidate best = null;
                for (Candidate c : candidates) {
                    if (c.unit().equals(u) && c.loss() <= t && (best == null || c.size() < best.size())) {
                        best = c;
                    }
                }
                if (best != null) {
                    chosen.put(u, best);
                }
            }
            List<String> notes = new ArrayList<>();
            adjust.accept(chosen, notes);
            long c = cost.applyAsLong(chosen);
            if (c <= limit) {
                return new Choice(t, Double.NaN, true, chosen, c, notes);
            }
        }
        Map<String, Candidate> smallest = smallest(units, candidates);
        return new Choice(Double.NaN, Double.NaN, false, smallest, cost.applyAsLong(smallest),
                List.of("the smallest candidates of every unit cost more than the limit"));
    }

    /**
     * The baseline: the same setting for every unit, the least compressing setting of those measured
     * whose choice costs at most the limit (else the most compressing, with {@code met} false).
     *
     * @param units the units, in order
     * @param candidates every unit's candidates
     * @param settings the settings measured, from least to most compressing
     * @param adjust the technique's adjustment of a choice
     * @param cost the cost of a choice
     * @param limit the largest cost allowed
     * @return the choice (threshold NaN, setting the one taken)
     */
    public static Choice uniform(List<String> units, List<Candidate> candidates, double[] settings, Adjustment adjust,
            ToLongFunction<Map<String, Candidate>> cost, long limit) {
        Map<String, Candidate> chosen = Map.of();
        List<String> notes = List.of();
        for (double s : settings) {
            chosen = new LinkedHashMap<>();
            for (String u : units) {
                for (Candidate c : candidates) {
                    if (c.unit().equals(u) && c.setting() == s) {
                        chosen.put(u, c);
                    }
                }
            }
            notes = new ArrayList<>();
            adjust.accept(chosen, notes);
            long c = cost.applyAsLong(chosen);
            if (c <= limit) {
                return new Choice(Double.NaN, s, true, chosen, c, notes);
            }
        }
        return new Choice(Double.NaN, settings[settings.length - 1], false, chosen, cost.applyAsLong(chosen),
                List.of("the most compressing setting still costs more than the limit"));
    }

    private static Map<String, Candidate> smallest(List<String> units, List<Candidate> candidates) {
        Map<String, Candidate> out = new LinkedHashMap<>();
        for (String u : units) {
            candidates.stream().filter(c -> c.unit().equals(u)).min((a, b) -> Long.compare(a.size(), b.size()))
                    .ifPresent(c -> out.put(u, c));
        }
        return out;
    }
}
