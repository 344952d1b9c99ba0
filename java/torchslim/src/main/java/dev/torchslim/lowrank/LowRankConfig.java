package dev.torchslim.lowrank;

/**
 * How factors are computed: the SVD method, its power iterations and its seed, and how Conv2d
 * layers are factorized.
 *
 * @param method how the SVD is computed
 * @param powerIterations power iterations of the randomized SVD, in 0..100
 * @param seed the seed of the randomized sketch
 * @param conv how Conv2d layers are factorized (spatial SVD unless said otherwise)
 */
public record LowRankConfig(SvdMethod method, int powerIterations, long seed, ConvFactorization conv) {
    /**
     * Checks the arguments.
     *
     * @param method how the SVD is computed, not null
     * @param powerIterations power iterations, in 0..100
     * @param seed the sketch's seed
     * @param conv how Conv2d layers are factorized, not null
     * @throws IllegalArgumentException when method or conv is null or powerIterations out of range
     */
    public LowRankConfig {
        if (method == null || conv == null) {
            throw new IllegalArgumentException("SVD method and conv factorization must not be null");
        }
        if (powerIterations < 0 || powerIterations > 100) {
            throw new IllegalArgumentException("power iterations must be in 0..100, got " + powerIterations);
        }
    }

    /**
     * Convolutions by {@link ConvFactorization#SPATIAL}.
     *
     * @param method how the SVD is computed, not null
     * @param powerIterations power iterations, in 0..100
     * @param seed the sketch's seed
     */
    public LowRankConfig(SvdMethod method, int powerIterations, long seed) {
        this(method, powerIterations, seed, ConvFactorization.SPATIAL);
    }

    /**
     * {@link SvdMethod#AUTO}, {@value TruncatedSvd#DEFAULT_POWER_ITERATIONS} power iterations, seed 0, convolutions by spatial SVD.
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
        return new LowRankConfig(m, powerIterations, seed, conv);
    }

    /**
     * This configuration with another conv factorization.
     *
     * @param c how Conv2d layers are factorized
     * @return a new configuration
     */
    public LowRankConfig withConv(ConvFactorization c) {
        return new LowRankConfig(method, powerIterations, seed, c);
    }
}
