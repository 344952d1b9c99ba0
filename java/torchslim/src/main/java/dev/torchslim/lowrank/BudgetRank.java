package dev.torchslim.lowrank;

import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The largest rank whose factors hold at most a fraction of the dense weight's parameters (at least 1).
 *
 * @param fraction the factors' parameter budget as a fraction of the dense weight's, in (0, 1)
 */
public record BudgetRank(double fraction) implements RankPolicy {
    @Override
    public OptionalInt rank(LinearLayer layer, Supplier<double[]> singularValues) {
        long r = (long) Math.floor(fraction * layer.denseParams() / (layer.outFeatures() + layer.inFeatures()));
        return OptionalInt.of((int) Math.max(1, Math.min(r, layer.maxRank())));
    }
}
