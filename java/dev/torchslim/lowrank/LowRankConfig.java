package dev.torchslim.lowrank;

/** How factors are computed: the SVD method, its power iterations and its seed. */
public record LowRankConfig(SvdMethod method, int powerIterations, long seed) {
    public LowRankConfig {
        if (method == null) {
            throw new IllegalArgumentException("SVD method must not be null");
        }
        if (powerIterations < 0 || powerIterations > 100) {
            throw new IllegalArgumentException("power iterations must be in 0..100, got " + powerIterations);
        }
    }

    public static LowRankConfig defaults() {
        return new LowRankConfig(SvdMethod.AUTO, TruncatedSvd.DEFAULT_POWER_ITERATIONS, 0);
    }

    public LowRankConfig withMethod(SvdMethod m) {
        return new LowRankConfig(m, powerIterations, seed);
    }
}
