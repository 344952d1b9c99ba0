package dev.torchslim.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.Module;

/**
 * Per-layer and total sparsity and non-zeros of a set of weights.
 *
 * @param rows one row per weight, in module order
 * @param total the parameters of all rows
 * @param nonzero their nonzero parameters
 */
public record SparsityReport(List<Row> rows, long total, long nonzero) {
    /**
     * One weight's sparsity.
     *
     * @param layer the module name
     * @param shape the weight's shape, e.g. "[10, 1, 5, 5]"
     * @param params the weight's elements
     * @param nonzero its nonzero elements
     */
    public record Row(String layer, String shape, long params, long nonzero) {
        /**
         * The fraction of zeros.
         *
         * @return 1 - nonzero / params (0 for an empty weight)
         */
        public double sparsity() {
            return params == 0 ? 0 : 1.0 - (double) nonzero / params;
        }
    }

    /**
     * The sparsity of the given weights now.
     *
     * @param targets the weights
     * @return the report
     */
    public static SparsityReport of(List<PruneTarget> targets) {
        List<Row> rows = new ArrayList<>();
        long total = 0;
        long nonzero = 0;
        for (PruneTarget t : targets) {
            long n = t.weight().numel();
            long nz = t.weight().count_nonzero().item_long();
            rows.add(new Row(t.name(), Shapes.text(t.weight()), n, nz));
            total += n;
            nonzero += nz;
        }
        return new SparsityReport(List.copyOf(rows), total, nonzero);
    }

    /**
     * Over the Conv/Linear weights of a model.
     *
     * @param model the model
     * @return the report
     */
    public static SparsityReport of(Module model) {
        return of(PruneTargets.find(model, PruneTargets.CONV_AND_LINEAR, java.util.Set.of()));
    }

    /**
     * The fraction of zeros over all rows.
     *
     * @return 1 - nonzero / total (0 when empty)
     */
    public double sparsity() {
        return total == 0 ? 0 : 1.0 - (double) nonzero / total;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-20s %-18s %12s %12s %9s%n",
                "layer", "shape", "params", "nonzero", "sparsity"));
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT, "%-20s %-18s %12d %12d %8.2f%%%n", r.layer(), r.shape(), r.params(),
                    r.nonzero(), 100 * r.sparsity()));
        }
        s.append(String.format(Locale.ROOT, "%-39s %12d %12d %8.2f%%%n", "total", total, nonzero, 100 * sparsity()));
        return s.toString();
    }
}
