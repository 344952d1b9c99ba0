package dev.torchslim.quantize;

/** Chooses the layers a quantization touches (torchao's filter_fn). */
@FunctionalInterface
public interface LayerFilter {
    boolean accept(Layer layer);

    static LayerFilter linear() {
        return Layer::isLinear;
    }

    static LayerFilter linearAndConv2d() {
        return layer -> layer.isLinear() || layer.isConv2d();
    }
}
