package dev.torchslim.quantize;

/**
 * Quantization-aware training: weights and activations fake-quantized (straight-through
 * gradients) while training, then converted to the int8 model of {@link Int8StaticConfig}.
 * BatchNorm2d is folded with its running statistics (frozen) during QAT.
 */
public record Int8QatConfig(Observer observer, boolean perChannel, Engine engine) implements QuantizeConfig {
    public Int8QatConfig {
        if (observer == null || engine == null) {
            throw new IllegalArgumentException("observer and engine must not be null");
        }
    }

    /** Moving-average (0.01) activations, per-channel weights, default engine. */
    public static Int8QatConfig config() {
        return new Int8QatConfig(Observer.movingAverage(0.01), true, Engine.DEFAULT);
    }

    public Int8QatConfig withObserver(Observer observer) {
        return new Int8QatConfig(observer, perChannel, engine);
    }

    public Int8QatConfig withPerChannel(boolean perChannel) {
        return new Int8QatConfig(observer, perChannel, engine);
    }

    public Int8QatConfig withEngine(Engine engine) {
        return new Int8QatConfig(observer, perChannel, engine);
    }
}
