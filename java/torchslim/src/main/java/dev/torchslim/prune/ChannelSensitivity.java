package dev.torchslim.prune;

import dev.torchslim.core.Progress;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.sensitivity.DataLoss;
import dev.torchslim.sensitivity.GreedySelection;
import dev.torchslim.sensitivity.SelectionMethod;
import dev.torchslim.train.Loss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;

/**
 * Per-group sensitivity of a model to channel pruning, and AIMET's greedy choice of per-group ratios
 * under a global parameter budget ({@link GreedySelection}, shared with low rank).
 *
 * <p>{@link #measure}: every prunable group of {@link GraphChannelPruner} is pruned alone at each
 * candidate ratio (the real pruned model, not a mask: removing a channel also removes its norm's shift),
 * and the mean loss of that model on the user's data is recorded with the shapes it changed. From those
 * shapes the parameter count of any combination of per-group ratios is exact without pruning it: a
 * dimension shared by several groups (a concat) loses each group's channels, a weight pruned on both
 * dimensions (a conv between two groups) keeps the product.
 *
 * <p>{@link #greedy} picks, for the smallest loss threshold that meets the budget, each group's largest
 * ratio whose loss is at most the threshold; {@link #uniform} is the baseline: one ratio for all groups.
 */
public final class ChannelSensitivity {
    /** Candidate ratios of units removed per group. */
    public static final double[] DEFAULT_RATIOS = {0.2, 0.4, 0.6, 0.8};

    private ChannelSensitivity() {}

    /**
     * One measured candidate: a group pruned alone at a ratio.
     *
     * @param group the group id
     * @param ratio the ratio of units removed
     * @param unitsAfter the group's units left
     * @param params the whole model's parameters with only this group pruned
     * @param loss the mean loss on the data with only this group pruned
     * @param shapes the parameters this changes, by name: {before dims, after dims}
     */
    public record Point(int group, double ratio, int unitsAfter, long params, double loss, Map<String, long[][]> shapes) {}

    /**
     * The measurements.
     *
     * @param baseLoss the unpruned model's mean loss
     * @param baseParams the unpruned model's parameters
     * @param groups the measured groups (prunable and not ignored), in id order
     * @param points every candidate of every group
     * @param ratios the ratios measured, ascending
     * @param rows the data rows the losses are over
     */
    public record Table(double baseLoss, long baseParams, List<GraphChannelPruner.Group> groups, List<Point> points,
            double[] ratios, long rows) {
        /**
         * The candidates of one group, by increasing ratio.
         *
         * @param group the group id
         * @return its points
         */
        public List<Point> of(int group) {
            return points.stream().filter(p -> p.group() == group).toList();
        }

        /**
         * The model's parameters with these per-group ratios (each a measured ratio of that group), exact.
         *
         * @param ratios ratio by group id (absent: unpruned)
         * @return the parameter count
         */
        public long params(Map<Integer, Double> ratios) {
            Map<String, long[]> before = new HashMap<>();
            Map<String, long[]> removed = new HashMap<>();
            ratios.forEach((g, r) -> {
                Point p = of(g).stream().filter(x -> x.ratio() == r).findFirst().orElseThrow(
                        () -> new IllegalArgumentException("group " + g + " was not measured at ratio " + r));
                p.shapes().forEach((name, ba) -> {
                    before.putIfAbsent(name, ba[0]);
                    long[] sum = removed.computeIfAbsent(name, k -> new long[ba[0].length]);
                    for (int d = 0; d < ba[0].length; d++) {
                        sum[d] += ba[0][d] - ba[1][d];
                    }
                });
            });
            long total = baseParams;
            for (Map.Entry<String, long[]> e : before.entrySet()) {
                long[] b = e.getValue();
                long[] rm = removed.get(e.getKey());
                long was = 1;
                long now = 1;
                for (int d = 0; d < b.length; d++) {
                    was *= b[d];
                    now *= Math.max(0, b[d] - rm[d]);
                }
                total += now - was;
            }
            return total;
        }
    }

    /**
     * Ratios chosen under a budget.
     *
     * @param method greedy or uniform
     * @param setting uniform: the ratio every group got (NaN for greedy)
     * @param budget the fraction of the model's parameters allowed
     * @param threshold greedy: the loss threshold that met the budget (NaN otherwise)
     * @param budgetMet whether the choice fits the budget
     * @param ratios the ratio chosen per pruned group (absent: unpruned)
     * @param paramsBefore the model's parameters
     * @param paramsAfter its parameters with these ratios
     * @param notes what the selection said
     */
    public record Selection(SelectionMethod method, double setting, double budget, double threshold, boolean budgetMet,
            Map<Integer, Double> ratios, long paramsBefore, long paramsAfter, List<String> notes) {
        /**
         * The selection's name in reports: "greedy", or "uniform" and its setting.
         *
         * @return e.g. "greedy" or "uniform 0.4"
         */
        public String how() {
            return method.describe(setting);
        }
    }

    /**
     * Prunes every group alone at every ratio and measures the loss on the data.
     *
     * @param model the model (left unchanged)
     * @param example one example input (for the shapes; taylor importance: the rows of targets)
     * @param targets class indices of the example's rows for taylor importance, else null
     * @param options importance, ignored modules and seed (amount and ratios are not read)
     * @param data inputs and targets the loss is measured on
     * @param loss the loss
     * @param ratios ratios of units removed, each in (0, 1)
     * @param batchSize rows per forward
     * @return the table
     */
    public static Table measure(ScriptModel model, Tensor example, Tensor targets, GraphChannelPruner.Options options,
            TensorData data, Loss loss, double[] ratios, int batchSize) {
        if (model == null || example == null || options == null || data == null || loss == null || ratios == null
                || ratios.length == 0) {
            throw new IllegalArgumentException("model, example, options, data, loss and at least one ratio are needed");
        }
        for (double r : ratios) {
            if (!(r > 0 && r < 1)) {
                throw new IllegalArgumentException("pruning ratios must be in (0, 1), got " + r);
            }
        }
        double[] rs = Arrays.stream(ratios).sorted().distinct().toArray();
        double base = DataLoss.mean(model, data, loss, batchSize);
        long baseParams = model.parameterCount();
        GraphChannelPruner.Analysis analysis = GraphChannelPruner.analyse(model, List.of(example));
        List<GraphChannelPruner.Group> groups = new ArrayList<>();
        List<Point> points = new ArrayList<>();
        List<GraphChannelPruner.Group> measured = analysis.groups().stream().filter(g -> g.layers().stream()
                .noneMatch(l -> options.ignore().stream().anyMatch(n -> l.equals(n) || l.startsWith(n + ".")))).toList();
        try (Progress.Task progress = Progress.task("channel sensitivity", measured.size())) {
            for (GraphChannelPruner.Group g : measured) {
                List<Point> mine = new ArrayList<>();
                for (double r : rs) {
                    GraphChannelPruner.Options alone = new GraphChannelPruner.Options(options.importance(), 0, Map.of(g.id(), r),
                            options.ignore(), options.seed());
                    GraphChannelPruner.Result res = GraphChannelPruner.prune(model, List.of(example), targets, alone);
                    try (ScriptModel pruned = res.model()) {
                        int[] ba = res.unitsBeforeAfter().getOrDefault(g.id(), new int[] {g.units(), g.units()});
                        if (ba[1] == ba[0] || mine.stream().anyMatch(p -> p.unitsAfter() == ba[1])) {
                            continue;  // this ratio removes nothing more than a smaller one
                        }
                        Map<String, long[][]> shapes = new TreeMap<>();
                        for (GraphChannelPruner.ParamChange c : res.changes()) {
                            shapes.put(c.name(), new long[][] {dims(c.before()), dims(c.after())});
                        }
                        mine.add(new Point(g.id(), r, ba[1], pruned.parameterCount(), DataLoss.mean(pruned, data, loss, batchSize),
                                shapes));
                    }
                }
                if (!mine.isEmpty()) {
                    groups.add(g);
                    points.addAll(mine);
                }
                progress.step();
            }
        }
        Map<String, Boolean> isParam = new HashMap<>();
        model.parameterInfo().forEach(p -> isParam.put(p.name(), true));
        List<Point> paramsOnly = new ArrayList<>();
        for (Point p : points) {
            Map<String, long[][]> shapes = new TreeMap<>(p.shapes());
            shapes.keySet().removeIf(n -> !isParam.containsKey(n));  // buffers (running stats) are not parameters
            paramsOnly.add(new Point(p.group(), p.ratio(), p.unitsAfter(), p.params(), p.loss(), shapes));
        }
        return new Table(base, baseParams, List.copyOf(groups), List.copyOf(paramsOnly), rs, data.size());
    }

    /**
     * AIMET's greedy selection: the smallest loss threshold whose per-group ratios keep at most
     * {@code budget} of the model's parameters.
     *
     * @param table the measurements
     * @param budget the fraction of the model's parameters to keep, in (0, 1)
     * @return the selection
     */
    public static Selection greedy(Table table, double budget) {
        long limit = limit(table, budget);
        GreedySelection.Choice c = GreedySelection.choose(units(table), candidates(table), table.baseLoss(),
                GreedySelection.Adjustment.NONE, chosen -> table.params(ratios(chosen)), limit);
        List<String> notes = c.met() ? c.notes()
                : List.of("the largest ratio of every group still keeps more than the budget (channels that cannot leave: "
                        + "model inputs/outputs, ignored layers)");
        return new Selection(SelectionMethod.GREEDY, Double.NaN, budget, c.threshold(), c.met(), ratios(c.chosen()), table.baseParams(), c.cost(), notes);
    }

    /**
     * The baseline: the smallest measured ratio that, applied to every group, meets the budget.
     *
     * @param table the measurements
     * @param budget the fraction of the model's parameters to keep, in (0, 1)
     * @return the selection
     */
    public static Selection uniform(Table table, double budget) {
        long limit = limit(table, budget);
        GreedySelection.Choice c = GreedySelection.uniform(units(table), candidates(table), table.ratios(),
                GreedySelection.Adjustment.NONE, chosen -> table.params(ratios(chosen)), limit);
        return new Selection(SelectionMethod.UNIFORM, c.setting(), budget, Double.NaN, c.met(), ratios(c.chosen()), table.baseParams(),
                c.cost(), c.notes());
    }

    private static long limit(Table table, double budget) {
        if (!(budget > 0 && budget < 1)) {
            throw new IllegalArgumentException("parameter budget must be in (0, 1), got " + budget);
        }
        return (long) Math.floor(budget * table.baseParams());
    }

    private static List<String> units(Table table) {
        return table.groups().stream().map(g -> Integer.toString(g.id())).toList();
    }

    private static List<GreedySelection.Candidate> candidates(Table table) {
        List<GreedySelection.Candidate> out = new ArrayList<>();
        for (Point p : table.points()) {
            out.add(new GreedySelection.Candidate(Integer.toString(p.group()), p.ratio(), p.params(), p.loss()));
        }
        return out;
    }

    private static Map<Integer, Double> ratios(Map<String, GreedySelection.Candidate> chosen) {
        Map<Integer, Double> out = new LinkedHashMap<>();
        chosen.forEach((g, c) -> out.put(Integer.parseInt(g), c.setting()));
        return out;
    }

    private static long[] dims(List<Long> shape) {
        return shape.stream().mapToLong(Long::longValue).toArray();
    }
}
