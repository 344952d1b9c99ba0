package dev.torchslim.quantize;

/**
 * Quantization-aware training: fake-quantize modules in the graph (moving-average activation
 * ranges, weights from their current values), trained with the user's data and loss, then
 * converted as static int8.
 */
public record Int8QatConfig(boolean perChannel, Engine engine) implements QuantizeConfig {
    public Int8QatConfig {
        if (engine == null) {
            throw new IllegalArgumentException("engine must not be null");
        }
    }

    public static Int8QatConfig config() {
        return new Int8QatConfig(true, Engine.DEFAULT);
    }

    public Int8QatConfig withPerChannel(boolean perChannel) {
        return new Int8QatConfig(perChannel, engine);
    }

    public Int8QatConfig withEngine(Engine engine) {
        return new Int8QatConfig(perChannel, engine);
    }
}
