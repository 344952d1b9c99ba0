package dev.torchslim.prune;

import java.util.List;

/**
 * A weight a pruner was asked to prune but left as it was, and why.
 *
 * @param name module path + parameter name
 * @param shape the parameter's shape
 * @param params the parameter's number of values
 * @param reason why it was left out
 */
public record LeftOut(String name, List<Long> shape, long params, String reason) {
    /**
     * Copies the shape.
     *
     * @param name module path + parameter name
     * @param shape the parameter's shape
     * @param params the parameter's number of values
     * @param reason why it was left out
     */
    public LeftOut {
        shape = List.copyOf(shape);
    }

    /**
     * One line: name, shape, reason.
     *
     * @return e.g. {@code "fc0.weight [4x0]: empty weight (no elements), left as it is"}
     */
    @Override
    public String toString() {
        return name + " [" + Shapes.text(shape) + "]: " + reason;
    }
}
