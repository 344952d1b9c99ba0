package dev.torchslim.distill;

/**
 * Logit distillation's two knobs: the temperature T that softens both distributions, and alpha,
 * the weight of the soft (teacher) term; 1 - alpha weighs cross entropy on the labels.
 *
 * @param temperature T, greater than 0
 * @param alpha the weight of the soft term, in [0, 1]
 */
public record KdConfig(double temperature, double alpha) {
    /**
     * Checks the ranges.
     *
     * @param temperature T, finite and greater than 0
     * @param alpha the soft term's weight, in [0, 1]
     * @throws IllegalArgumentException when either is out of range
     */
    public KdConfig {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
    }

    /**
     * Hinton et al.'s usual choice: T = 4, alpha = 0.9.
     *
     * @return T 4, alpha 0.9
     */
    public static KdConfig defaults() {
        return new KdConfig(4, 0.9);
    }
}
