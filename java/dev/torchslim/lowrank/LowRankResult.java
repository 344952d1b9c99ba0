package dev.torchslim.lowrank;

import dev.torchslim.graph.ScriptModel;
import java.util.List;

/** The factorized model (the caller closes it) and one decision per Linear of the input. */
public record LowRankResult(ScriptModel model, List<LayerDecision> layers) implements AutoCloseable {
    public long factorizedLayers() {
        return layers.stream().filter(LayerDecision::factorized).count();
    }

    /** Weight parameters of the factorized layers before and after. */
    public long paramsBefore() {
        return layers.stream().filter(LayerDecision::factorized).mapToLong(LayerDecision::paramsBefore).sum();
    }

    public long paramsAfter() {
        return layers.stream().filter(LayerDecision::factorized).mapToLong(LayerDecision::paramsAfter).sum();
    }

    @Override
    public void close() {
        model.close();
    }
}
