package dev.torchslim.quantize;

/**
 * Dynamic int8 for Linear layers: symmetric int8 weights per tensor or per output channel,
 * activations quantized per batch (PyTorch's quantize_dynamic with default_dynamic_qconfig or
 * per_channel_dynamic_qconfig).
 */
public record Int8DynamicConfig(boolean perChannel, Engine engine) implements QuantizeConfig {
    public Int8DynamicConfig {
        if (engine == null) {
            throw new IllegalArgumentException("engine must not be null");
        }
    }

    /** Per-tensor weights on the default engine. */
    public static Int8DynamicConfig config() {
        return new Int8DynamicConfig(false, Engine.DEFAULT);
    }

    public Int8DynamicConfig withPerChannel(boolean perChannel) {
        return new Int8DynamicConfig(perChannel, engine);
    }

    public Int8DynamicConfig withEngine(Engine engine) {
        return new Int8DynamicConfig(perChannel, engine);
    }
}
