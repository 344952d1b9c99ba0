package dev.torchslim.distill;

/**
 * Logit distillation's two knobs: the temperature T that softens both distributions, and alpha,
 * the weight of the soft (teacher) term; 1 - alpha weighs cross entropy on the labels.
 */
public record KdConfig(double temperature, double alpha) {
    public KdConfig {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
    }

    /** Hinton et al.'s usual choice: T = 4, alpha = 0.9. */
    public static KdConfig defaults() {
        return new KdConfig(4, 0.9);
    }
}
