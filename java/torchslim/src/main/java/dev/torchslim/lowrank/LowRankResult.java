package dev.torchslim.lowrank;

import dev.torchslim.graph.ScriptModel;
import java.util.List;

/**
 * The factorized model (the caller closes it), one decision per Linear and one per Conv2d of the input.
 *
 * @param model the factorized model, owned by the caller
 * @param layers one decision per Linear of the input, in module order
 * @param convs one decision per Conv2d of the input, in module order (empty when convs are not factorized)
 */
public record LowRankResult(ScriptModel model, List<LayerDecision> layers, List<ConvDecision> convs) implements AutoCloseable {
    /**
     * A result with Linear decisions only.
     *
     * @param model the factorized model, owned by the caller
     * @param layers one decision per Linear of the input
     */
    public LowRankResult(ScriptModel model, List<LayerDecision> layers) {
        this(model, layers, List.of());
    }

    /**
     * How many layers (Linear and Conv2d) were factorized.
     *
     * @return the number of factorized layers
     */
    public long factorizedLayers() {
        return layers.stream().filter(LayerDecision::factorized).count() + convs.stream().filter(ConvDecision::factorized).count();
    }

    /**
     * Weight parameters of the factorized layers (Linear and Conv2d) before.
     *
     * @return the weight parameters before
     */
    public long paramsBefore() {
        return layers.stream().filter(LayerDecision::factorized).mapToLong(LayerDecision::paramsBefore).sum()
                + convs.stream().filter(ConvDecision::factorized).mapToLong(ConvDecision::paramsBefore).sum();
    }

    /**
     * Weight parameters of the factorized layers after factorization (all factors).
     *
     * @return the weight parameters after
     */
    public long paramsAfter() {
        return layers.stream().filter(LayerDecision::factorized).mapToLong(LayerDecision::paramsAfter).sum()
                + convs.stream().filter(ConvDecision::factorized).mapToLong(ConvDecision::paramsAfter).sum();
    }

    @Override
    public void close() {
        model.close();
    }
}
