package dev.torchslim.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.Module;

/** Per-layer and total sparsity and non-zeros of a set of weights. */
public record SparsityReport(List<Row> rows, long total, long nonzero) {
    public record Row(String layer, String shape, long params, long nonzero) {
        public double sparsity() {
            return params == 0 ? 0 : 1.0 - (double) nonzero / params;
        }
    }

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

    /** Over the Conv/Linear weights of a model. */
    public static SparsityReport of(Module model) {
        return of(PruneTargets.find(model, PruneTargets.CONV_AND_LINEAR, java.util.Set.of()));
    }

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
