package dev.torchslim.quantize;

/**
 * Static post-training int8 for Conv2d and Linear (BatchNorm2d folded, a following ReLU fused):
 * activation ranges from an {@link Observer} over calibration batches (quint8, reduce_range on
 * x86/fbgemm/onednn as PyTorch), symmetric int8 weights per tensor or per output channel.
 */
public record Int8StaticConfig(Observer observer, boolean perChannel, Engine engine) implements QuantizeConfig {
    public Int8StaticConfig {
        if (observer == null || engine == null) {
            throw new IllegalArgumentException("observer and engine must not be null");
        }
    }

    /** Histogram (least squared error) activations, per-channel weights, default engine. */
    public static Int8StaticConfig config() {
        return new Int8StaticConfig(Observer.histogramMse(), true, Engine.DEFAULT);
    }

    public Int8StaticConfig withObserver(Observer observer) {
        return new Int8StaticConfig(observer, perChannel, engine);
    }

    public Int8StaticConfig withPerChannel(boolean perChannel) {
        return new Int8StaticConfig(observer, perChannel, engine);
    }

    public Int8StaticConfig withEngine(Engine engine) {
        return new Int8StaticConfig(observer, perChannel, engine);
    }
}
