package dev.torchslim.lowrank;

import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * Ranks given per layer name; unnamed layers stay dense.
 *
 * @param ranks the rank of each named layer, by module path
 */
public record ExplicitRank(Map<String, Integer> ranks) implements RankPolicy {
    @Override
    public OptionalInt rank(LinearLayer layer, Supplier<double[]> singularValues) {
        Integer r = ranks.get(layer.name());
        return r == null ? OptionalInt.empty() : OptionalInt.of(r);
    }
}
