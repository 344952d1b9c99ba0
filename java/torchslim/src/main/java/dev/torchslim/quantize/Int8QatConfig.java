package dev.torchslim.quantize;

/**
 * Quantization-aware training: fake-quantize modules in the graph (moving-average activation
 * ranges, weights from their current values), trained with the user's data and loss, then
 * converted as static int8.
 *
 * @param perChannel one weight scale per output channel instead of per tensor
 * @param engine the int8 kernel library
 */
public record Int8QatConfig(boolean perChannel, Engine engine) implements QuantizeConfig {
    /**
     * Checks the engine.
     *
     * @param perChannel per-channel weight scales
     * @param engine the int8 kernel library, not null
     * @throws IllegalArgumentException when engine is null
     */
    public Int8QatConfig {
        if (engine == null) {
            throw new IllegalArgumentException("engine must not be null");
        }
    }

    /**
     * Per-channel weights and the default engine.
     *
     * @return the configuration
     */
    public static Int8QatConfig config() {
        return new Int8QatConfig(true, Engine.DEFAULT);
    }

    /**
     * This configuration with per-channel or per-tensor weights.
     *
     * @param perChannel one scale per output channel
     * @return a new configuration
     */
    public Int8QatConfig withPerChannel(boolean perChannel) {
        return new Int8QatConfig(perChannel, engine);
    }

    /**
     * This configuration on another engine.
     *
     * @param engine the int8 kernel library
     * @return a new configuration
     */
    public Int8QatConfig withEngine(Engine engine) {
        return new Int8QatConfig(perChannel, engine);
    }
}
