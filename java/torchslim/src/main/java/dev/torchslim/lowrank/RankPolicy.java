package dev.torchslim.lowrank;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * How a layer's rank is chosen (a strategy object): by the energy of the singular values kept,
 * by a parameter budget, or explicitly per layer. An empty answer keeps the layer dense.
 */
public interface RankPolicy {
    /**
     * @param layer the Linear
     * @param singularValues the weight's singular values, largest first (computed on demand)
     * @return the rank, or empty to keep the layer dense
     */
    OptionalInt rank(LinearLayer layer, Supplier<double[]> singularValues);

    /**
     * The smallest rank whose singular values keep at least this fraction of sum(s^2), in (0, 1].
     *
     * @param fraction the share of energy to keep, in (0, 1]
     * @return the policy
     */
    static RankPolicy energy(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("energy must be in (0, 1], got " + fraction);
        }
        return new EnergyRank(fraction);
    }

    /**
     * The largest rank whose two factors hold at most this fraction of the dense weight's parameters, in (0,
     * 1).
     *
     * @param fraction the parameter budget, in (0, 1)
     * @return the policy
     */
    static RankPolicy budget(double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("parameter budget must be in (0, 1), got " + fraction);
        }
        return new BudgetRank(fraction);
    }

    /**
     * These layers at these ranks; every other Linear stays dense.
     *
     * @param ranks rank by module path
     * @return the policy
     */
    static RankPolicy explicit(Map<String, Integer> ranks) {
        if (ranks == null || ranks.isEmpty()) {
            throw new IllegalArgumentException("explicit ranks must name at least one layer");
        }
        for (Map.Entry<String, Integer> e : ranks.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null || e.getValue() < 1) {
                throw new IllegalArgumentException("explicit ranks must be name -> rank >= 1, got " + e);
            }
        }
        return new ExplicitRank(new LinkedHashMap<>(ranks));
    }

    /**
     * Parses "fc1:32,encoder.linear1:8".
     *
     * @param spec comma-separated {@code layer:rank} pairs
     * @return the policy
     * @throws IllegalArgumentException when the spec is malformed
     */
    static RankPolicy parseExplicit(String spec) {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        for (String item : spec.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            int colon = item.lastIndexOf(':');
            if (colon <= 0 || colon == item.length() - 1) {
                throw new IllegalArgumentException("ranks are name:rank[,name:rank], got '" + item + "'");
            }
            String name = item.substring(0, colon).trim();
            int rank;
            try {
                rank = Integer.parseInt(item.substring(colon + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the rank of '" + name + "' must be an integer, got '"
                        + item.substring(colon + 1) + "'");
            }
            if (ranks.put(name, rank) != null) {
                throw new IllegalArgumentException("layer '" + name + "' has two ranks");
            }
        }
        return explicit(ranks);
    }
}
