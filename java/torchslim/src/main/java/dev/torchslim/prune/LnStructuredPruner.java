package dev.torchslim.prune;

import dev.torchslim.jni.PruneApi;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/** Ln structured pruning along a dimension (0: filters, 1: input channels). */
public final class LnStructuredPruner implements PruningStrategy {
    private final double n;
    private final int dim;

    /**
     * Prunes whole slices along dim with the smallest Ln norm.
     *
     * @param n the norm order: 1, 2 or infinity
     * @param dim the dimension whose slices are pruned
     */
    public LnStructuredPruner(double n, int dim) {
        if (!(n > 0)) {
            throw new IllegalArgumentException("norm order n must be > 0 (1, 2 or infinity), got " + n);
        }
        if (dim < 0) {
            throw new IllegalArgumentException("dim must be >= 0 (0: filters, 1: channels), got " + dim);
        }
        this.n = n;
        this.dim = dim;
    }

    @Override
    public List<Tensor> masks(List<PruneTarget> targets, double amount) {
        Amounts.check(amount);
        List<Tensor> out = new ArrayList<>();
        for (PruneTarget t : targets) {
            if (dim >= t.weight().dim()) {
                throw new IllegalArgumentException("dim " + dim + " out of range for " + t.name() + " with "
                        + t.weight().dim() + " dimensions");
            }
            out.add(PruneApi.ln_structured_mask(t.weight(), amount, n, dim));
        }
        return out;
    }

    @Override
    public String name() {
        return "ln(n=" + n + ", dim=" + dim + ")";
    }
}
