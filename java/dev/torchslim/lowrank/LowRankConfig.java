package dev.torchslim.lowrank;

/**
 * How factors are computed: the SVD method, its power iterations and its seed.
 *
 * @param method how the SVD is computed
 * @param powerIterations power iterations of the randomized SVD, in 0..100
 * @param seed the seed of the randomized sketch
 */
public record LowRankConfig(SvdMethod method, int powerIterations, long seed) {
    /**
     * Checks the arguments.
     *
     * @param method how the SVD is computed, not null
     * @param powerIterations power iterations, in 0..100
     * @param seed the sketch's seed
     * @throws IllegalArgumentException when method is null or powerIterations out of range
     */
    public LowRankConfig {
        if (method == null) {
            throw new IllegalArgumentException("SVD method must not be null");
        }
        if (powerIterations < 0 || powerIterations > 100) {
            throw new IllegalArgumentException("power iterations must be in 0..100, got " + powerIterations);
        }
    }

    /**
     * {@link SvdMethod#AUTO}, {@value TruncatedSvd#DEFAULT_POWER_ITERATIONS} power iterations, seed 0.
     *
     * @return the default configuration
     */
    public static LowRankConfig defaults() {
        return new LowRankConfig(SvdMethod.AUTO, TruncatedSvd.DEFAULT_POWER_ITERATIONS, 0);
    }

    /**
     * This configuration with another SVD method.
     *
     * @param m the SVD method
     * @return a new configuration
     */
    public LowRankConfig withMethod(SvdMethod m) {
        return new LowRankConfig(m, powerIterations, seed);
    }
}
