package dev.torchslim.lowrank;

import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The smallest rank that keeps a fraction of the squared singular values' sum.
 *
 * @param fraction the share of sum(s^2) to keep, in (0, 1]
 */
public record EnergyRank(double fraction) implements RankPolicy {
    @Override
    public OptionalInt rank(LinearLayer layer, Supplier<double[]> singularValues) {
        return OptionalInt.of(rankFor(singularValues.get(), fraction));
    }

    /**
     * The smallest r with sum(s[0..r)^2) >= fraction * sum(s^2) (1 for an all-zero matrix).
     *
     * @param s the singular values, largest first
     * @param fraction the share of energy to keep, in (0, 1]
     * @return the rank
     */
    public static int rankFor(double[] s, double fraction) {
        double total = 0;
        for (double v : s) {
            total += v * v;
        }
        double kept = 0;
        for (int r = 0; r < s.length; r++) {
            kept += s[r] * s[r];
            if (kept >= fraction * total * (1 - 1e-12)) {
                return r + 1;
            }
        }
        return Math.max(1, s.length);
    }
}
