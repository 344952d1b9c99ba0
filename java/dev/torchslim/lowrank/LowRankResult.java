package dev.torchslim.lowrank;

import dev.torchslim.graph.ScriptModel;
import java.util.List;

/**
 * The factorized model (the caller closes it) and one decision per Linear of the input.
 *
 * @param model the factorized model, owned by the caller
 * @param layers one decision per Linear of the input, in module order
 */
public record LowRankResult(ScriptModel model, List<LayerDecision> layers) implements AutoCloseable {
    /**
     * How many Linears were factorized.
     *
     * @return the number of factorized layers
     */
    public long factorizedLayers() {
        return layers.stream().filter(LayerDecision::factorized).count();
    }

    /**
     * Weight parameters of the factorized layers before and after.
     *
     * @return the weight parameters before
     */
    public long paramsBefore() {
        return layers.stream().filter(LayerDecision::factorized).mapToLong(LayerDecision::paramsBefore).sum();
    }

    /**
     * Weight parameters of the factorized layers after factorization (both factors).
     *
     * @return the weight parameters after
     */
    public long paramsAfter() {
        return layers.stream().filter(LayerDecision::factorized).mapToLong(LayerDecision::paramsAfter).sum();
    }

    @Override
    public void close() {
        model.close();
    }
}
