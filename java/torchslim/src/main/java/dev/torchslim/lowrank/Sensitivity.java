package dev.torchslim.lowrank;

import dev.torchslim.core.Progress;
import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.sensitivity.DataLoss;
import dev.torchslim.sensitivity.GreedySelection;
import dev.torchslim.sensitivity.SelectionMethod;
import dev.torchslim.train.Loss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Per-layer sensitivity to low rank, and AIMET's greedy rank selection under a global parameter budget.
 *
 * <p>{@link #measure}: for each candidate layer (every Linear, and every Conv2d that can be factorized
 * when convs are) and each candidate rank (fractions of the layer's full rank), the loss on the user's
 * data with only that layer at that rank. Only that layer's weight is replaced by the dense weight its
 * factors compute, which is what the factorized graph computes (LowRankConvTest checks it), so no model is
 * rewritten per point.
 *
 * <p>{@link #greedy}: AIMET's greedy selection ({@code GreedyCompRatioSelectAlgo}): for a loss threshold t
 * every layer takes its smallest candidate whose measured loss is at most t (dense when none is); the
 * smallest t whose choice keeps at most {@code budget} of the candidate layers' weight parameters wins.
 * {@link #uniform} is the baseline: one fraction of full rank for every layer.
 */
public final class Sensitivity {
    /** Candidate ranks as fractions of each layer's full rank (AIMET's default grid without 1.0). */
    public static final double[] DEFAULT_FRACTIONS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

    private Sensitivity() {}

    /**
     * A candidate layer.
     *
     * @param name the module path
     * @param kind a linear layer, or the conv factorization measured
     * @param shape the weight's shape, e.g. "16x16x3x3"
     * @param className its TorchScript class (layers of one class are factorized together or not at all)
     * @param denseParams the weight's parameters
     */
    public record Layer(String name, Kind kind, String shape, String className, long denseParams) {}

    /** What a measured layer is, and so how it is factorized. */
    public enum Kind {
        /** A Linear: truncated SVD of its weight. */
        LINEAR,
        /** A conv factorized spatially ({@link ConvFactorization#SPATIAL}). */
        SPATIAL,
        /** A conv factorized by Tucker-2 ({@link ConvFactorization#TUCKER}). */
        TUCKER;

        /**
         * The kind's name in reports: "linear", "spatial" or "tucker".
         *
         * @return the lower-case name
         */
        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One measured candidate: a layer at a fraction of its full rank.
     *
     * @param layer the module path
     * @param fraction the fraction of full rank
     * @param rankIn the rank (tucker: the input side's)
     * @param rankOut the rank (tucker: the output side's)
     * @param params the weight parameters of its factors
     * @param loss the mean loss on the data with only this layer at this rank
     */
    public record Point(String layer, double fraction, int rankIn, int rankOut, long params, double loss) {}

    /**
     * The measurements.
     *
     * @param baseLoss the dense model's mean loss
     * @param layers the candidate layers, in module order
     * @param points every candidate of every layer
     * @param fractions the fractions measured
     * @param rows the data rows the losses are over
     */
    public record Table(double baseLoss, List<Layer> layers, List<Point> points, double[] fractions, long rows) {
        /**
         * The candidates of one layer, by increasing rank.
         *
         * @param layer the module path
         * @return its points
         */
        public List<Point> of(String layer) {
            return points.stream().filter(p -> p.layer().equals(layer)).toList();
        }

        /**
         * The candidate layers' weight parameters.
         *
         * @return their sum
         */
        public long denseParams() {
            return layers.stream().mapToLong(Layer::denseParams).sum();
        }
    }

    /**
     * Ranks chosen under a budget.
     *
     * @param method greedy or uniform
     * @param setting uniform: the fraction of full rank every layer got (NaN for greedy)
     * @param budget the fraction of the candidate layers' weight parameters allowed
     * @param threshold greedy: the loss threshold that met the budget (NaN for uniform)
     * @param budgetMet whether the choice fits the budget (false: the smallest candidates everywhere still exceed it)
     * @param chosen the point chosen per factorized layer, by module path (absent: dense)
     * @param paramsBefore the candidate layers' weight parameters
     * @param paramsAfter their parameters after the choice
     * @param notes adjustments made (layers sharing a class)
     */
    public record Selection(SelectionMethod method, double setting, double budget, double threshold, boolean budgetMet,
            Map<String, Point> chosen, long paramsBefore, long paramsAfter, List<String> notes) {
        /**
         * The selection's name in reports: "greedy", or "uniform" and its setting.
         *
         * @return e.g. "greedy" or "uniform 0.4"
         */
        public String how() {
            return method.describe(setting);
        }

        /**
         * The choice as a rank policy for {@link LowRank#apply}.
         *
         * @return the ranks per layer
         */
        public ChosenRanks policy() {
            Map<String, int[]> ranks = new LinkedHashMap<>();
            chosen.forEach((name, p) -> ranks.put(name, new int[] {p.rankIn(), p.rankOut()}));
            return new ChosenRanks(ranks);
        }
    }

    /**
     * Measures every candidate layer at every fraction of its full rank.
     *
     * @param model the model (left unchanged)
     * @param data inputs and targets
     * @param loss the loss
     * @param config the SVD method and how convs are factorized
     * @param fractions fractions of full rank, each in (0, 1)
     * @param batchSize rows per forward
     * @return the table
     */
    public static Table measure(ScriptModel model, TensorData data, Loss loss, LowRankConfig config, double[] fractions,
            int batchSize) {
        if (model == null || data == null || loss == null || config == null || fractions == null || fractions.length == 0) {
            throw new IllegalArgumentException("model, data, loss, config and at least one fraction are needed");
        }
        for (double f : fractions) {
            if (!(f > 0 && f < 1)) {
                throw new IllegalArgumentException("rank fractions must be in (0, 1), got " + f);
            }
        }
        if (!data.hasTargets()) {
            throw new IllegalArgumentException(data.file() + " has no targets ('y'): sensitivity needs torch.save({'x': X, 'y': Y}, path)");
        }
        double[] fs = Arrays.stream(fractions).sorted().distinct().toArray();
        List<Layer> layers = new ArrayList<>();
        List<Point> points = new ArrayList<>();
        try (ScriptModel copy = model.copy()) {
            double base = loss(copy, data, loss, batchSize);
            List<LinearLayer> linears = LowRank.linearLayers(copy);
            // Convs that can be factorized (those with a problem are left out of the table).
            List<ConvLayer> convs = config.conv() == ConvFactorization.NONE ? List.of()
                    : LowRank.convLayers(copy).stream().filter(c -> c.problem().isEmpty()).toList();
            Kind convKind = config.conv() == ConvFactorization.SPATIAL ? Kind.SPATIAL : Kind.TUCKER;
            try (Progress.Task progress = Progress.task("low-rank sensitivity", linears.size() + convs.size())) {
                for (LinearLayer l : linears) {
                    Layer layer = new Layer(l.name(), Kind.LINEAR, l.outFeatures() + "x" + l.inFeatures(), l.className(), l.denseParams());
                    List<int[]> ranks = new ArrayList<>();
                    for (int i = 0; i < fs.length; i++) {
                        double f = fs[i];
                        int r = Math.max(1, (int) Math.round(f * l.maxRank()));
                        ranks.add(new int[] {r, r, i, (int) Math.min(Integer.MAX_VALUE, l.factorParams(r))});
                    }
                    measureLayer(copy, layer, ranks, w -> (rk) -> {
                        TruncatedSvd s = TruncatedSvd.compute(w, rk[0], config.method(), config.powerIterations(), config.seed());
                        return s.u().mul(s.s().unsqueeze(0)).mm(s.vh()).to(w.scalar_type());
                    }, fs, data, loss, batchSize, layers, points);
                    progress.step();
                }
                for (ConvLayer c : convs) {
                    Layer layer = new Layer(c.name(), convKind, c.shape(), c.className(), c.denseParams());
                    List<int[]> ranks = new ArrayList<>();
                    for (int i = 0; i < fs.length; i++) {
                        double f = fs[i];
                        int rin;
                        int rout;
                        long params;
                        if (config.conv() == ConvFactorization.SPATIAL) {
                            rin = Math.max(1, (int) Math.round(f * c.spatialView().maxRank()));
                            rout = rin;
                            params = c.spatialView().factorParams(rin);
                        } else {
                            rin = Math.max(1, (int) Math.round(f * c.inChannels()));
                            rout = Math.max(1, (int) Math.round(f * c.outChannels()));
                            params = c.tuckerParams(rin, rout);
                        }
                        ranks.add(new int[] {rin, rout, i, (int) Math.min(Integer.MAX_VALUE, params)});
                    }
                    measureLayer(copy, layer, ranks, w -> rk -> LowRank.convApproximation(w, config.conv(), rk[0], rk[1], config),
                            fs, data, loss, batchSize, layers, points);
                    progress.step();
                }
            }
            return new Table(base, layers, points, fs, data.size());
        }
    }

    private interface Approximation {
        Tensor at(int[] ranks);
    }

    private static void measureLayer(ScriptModel copy, Layer layer, List<int[]> ranks,
            java.util.function.Function<Tensor, Approximation> approx, double[] fs, TensorData data, Loss loss, int batchSize,
            List<Layer> layers, List<Point> points) {
        List<int[]> saving = new ArrayList<>();
        for (int[] r : ranks) {
            if (r[3] < layer.denseParams() && saving.stream().noneMatch(s -> s[0] == r[0] && s[1] == r[1])) {
                saving.add(r);
            }
        }
        if (saving.isEmpty()) {
            return;  // no candidate rank saves parameters
        }
        layers.add(layer);
        Tensor w = LowRank.parameter(copy, layer.name() + ".weight");
        Tensor original = w.detach().clone();
        Approximation a = approx.apply(original);
        try {
            for (int[] r : saving) {
                try (TensorScope scope = new TensorScope(); NoGradGuard g = new NoGradGuard()) {
                    w.copy_(a.at(r));
                }
                points.add(new Point(layer.name(), fs[r[2]], r[0], r[1], r[3], loss(copy, data, loss, batchSize)));
            }
        } finally {
            try (NoGradGuard g = new NoGradGuard()) {
                w.copy_(original);
            }
        }
    }

    /**
     * The model's mean loss over the data, in eval mode without gradients.
     *
     * @param model the model
     * @param data inputs and targets
     * @param loss the loss
     * @param batchSize rows per forward
     * @return the mean over rows
     */
    public static double loss(ScriptModel model, TensorData data, Loss loss, int batchSize) {
        return DataLoss.mean(model, data, loss, batchSize);
    }

    /**
     * AIMET's greedy selection ({@link GreedySelection#choose}): the smallest loss threshold whose
     * per-layer choices meet the budget.
     *
     * @param table the measurements
     * @param budget the fraction of the candidate layers' weight parameters to keep, in (0, 1)
     * @return the selection
     */
    public static Selection greedy(Table table, double budget) {
        checkBudget(budget);
        long limit = (long) Math.floor(budget * table.denseParams());
        GreedySelection.Choice c = GreedySelection.choose(layerNames(table), candidates(table), table.baseLoss(),
                (chosen, notes) -> keepClassesWhole(table, chosen, notes), chosen -> params(table, chosen), limit);
        List<String> notes = c.met() ? c.notes() : List.of("the smallest candidates of every layer keep more than the budget");
        return new Selection(SelectionMethod.GREEDY, Double.NaN, budget, c.threshold(), c.met(), points(table, c.chosen()), table.denseParams(),
                c.cost(), notes);
    }

    /**
     * The baseline: the largest measured fraction that, applied to every layer, meets the budget.
     *
     * @param table the measurements
     * @param budget the fraction of the candidate layers' weight parameters to keep, in (0, 1)
     * @return the selection
     */
    public static Selection uniform(Table table, double budget) {
        checkBudget(budget);
        long limit = (long) Math.floor(budget * table.denseParams());
        double[] fs = table.fractions();
        double[] leastCompressingFirst = new double[fs.length];
        for (int i = 0; i < fs.length; i++) {
            leastCompressingFirst[i] = fs[fs.length - 1 - i];
        }
        GreedySelection.Choice c = GreedySelection.uniform(layerNames(table), candidates(table), leastCompressingFirst,
                (chosen, notes) -> keepClassesWhole(table, chosen, notes), chosen -> params(table, chosen), limit);
        List<String> notes = c.met() ? c.notes() : List.of("the smallest fraction keeps more than the budget");
        return new Selection(SelectionMethod.UNIFORM, c.setting(), budget, Double.NaN, c.met(), points(table, c.chosen()),
                table.denseParams(), c.cost(), notes);
    }

    private static List<String> layerNames(Table table) {
        return table.layers().stream().map(Layer::name).toList();
    }

    /** The points as generic candidates: size = the factors' parameters, setting = the fraction of full rank. */
    private static List<GreedySelection.Candidate> candidates(Table table) {
        List<GreedySelection.Candidate> out = new ArrayList<>();
        for (Point p : table.points()) {
            out.add(new GreedySelection.Candidate(p.layer(), p.fraction(), p.params(), p.loss()));
        }
        return out;
    }

    private static Map<String, Point> points(Table table, Map<String, GreedySelection.Candidate> chosen) {
        Map<String, Point> out = new LinkedHashMap<>();
        chosen.forEach((layer, c) -> out.put(layer, table.of(layer).stream().filter(p -> p.fraction() == c.setting())
                .findFirst().orElseThrow()));
        return out;
    }

    /** A layer left dense beside factorized layers of its class takes its lowest-loss candidate (fewer parameters still). */
    private static void keepClassesWhole(Table table, Map<String, GreedySelection.Candidate> chosen, List<String> notes) {
        for (Layer l : table.layers()) {
            if (chosen.containsKey(l.name())) {
                continue;
            }
            Layer twin = table.layers().stream().filter(o -> o.className().equals(l.className()) && chosen.containsKey(o.name()))
                    .findFirst().orElse(null);
            if (twin != null) {
                table.of(l.name()).stream().min((a, b) -> Double.compare(a.loss(), b.loss())).ifPresent(p -> {
                    chosen.put(l.name(), new GreedySelection.Candidate(p.layer(), p.fraction(), p.params(), p.loss()));
                    notes.add(l.name() + " shares its TorchScript class with " + twin.name() + ": factorized at its"
                            + " lowest-loss candidate (" + p.fraction() + ") rather than left dense");
                });
            }
        }
    }

    private static long params(Table table, Map<String, GreedySelection.Candidate> chosen) {
        long sum = 0;
        for (Layer l : table.layers()) {
            GreedySelection.Candidate p = chosen.get(l.name());
            sum += p == null ? l.denseParams() : p.size();
        }
        return sum;
    }

    private static void checkBudget(double budget) {
        if (!(budget > 0 && budget < 1)) {
            throw new IllegalArgumentException("parameter budget must be in (0, 1), got " + budget);
        }
    }
}
