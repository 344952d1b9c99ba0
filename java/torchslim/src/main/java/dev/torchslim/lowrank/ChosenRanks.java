package dev.torchslim.lowrank;

import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * Ranks chosen per layer by a search (the sensitivity selection): {rank} for Linears and spatial
 * SVD, {rank_in, rank_out} for Tucker-2. Unnamed layers stay dense.
 *
 * @param ranks the ranks by module path
 */
public record ChosenRanks(Map<String, int[]> ranks) implements RankPolicy {
    @Override
    public OptionalInt rank(LinearLayer layer, Supplier<double[]> singularValues) {
        int[] r = ranks.get(layer.name());
        return r == null ? OptionalInt.empty() : OptionalInt.of(r[0]);
    }
}
