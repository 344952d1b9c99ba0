package dev.torchslim.distill;

import java.util.List;

/**
 * Feature distillation's knobs: which layers guide which, the loss between their outputs and its
 * weight beside the logit KD loss.
 *
 * @param hints teacher layer to student layer pairs, at least one
 * @param loss MSE through adapters (FitNets) or attention transfer
 * @param weight the weight of the summed hint losses, at least 0
 */
public record HintConfig(List<Hint> hints, HintLoss loss, double weight) {
    /**
     * Checks the values.
     *
     * @param hints at least one hint
     * @param loss not null
     * @param weight finite, at least 0
     */
    public HintConfig {
        if (hints == null || hints.isEmpty()) {
            throw new IllegalArgumentException("feature distillation needs at least one hint teacherLayer:studentLayer");
        }
        if (loss == null) {
            throw new IllegalArgumentException("hint loss must not be null");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("hint weight must be >= 0, got " + weight);
        }
        hints = List.copyOf(hints);
    }

    /**
     * The teacher's layers, comma-separated, in hint order.
     *
     * @return e.g. "layer3,layer2"
     */
    String teacherLayers() {
        return String.join(",", hints.stream().map(Hint::teacherLayer).toList());
    }

    /**
     * The student's layers, comma-separated, in hint order.
     *
     * @return e.g. "layer2,layer1"
     */
    String studentLayers() {
        return String.join(",", hints.stream().map(Hint::studentLayer).toList());
    }
}
