package dev.torchslim.quantize;

/**
 * Dynamic int8: int8 weights for every Linear (and LSTM/GRU when {@code rnn}), activations
 * quantized per call. Per-tensor weights by default, as {@code quantize_dynamic_jit}.
 *
 * @param perChannel one weight scale per output channel instead of per tensor
 * @param engine the int8 kernel library
 * @param rnn quantize LSTM and GRU layers too
 */
public record Int8DynamicConfig(boolean perChannel, Engine engine, boolean rnn) implements QuantizeConfig {
    /**
     * Checks the arguments.
     *
     * @param perChannel per-channel weight scales
     * @param engine the int8 kernel library, not null
     * @param rnn quantize LSTM and GRU too
     * @throws IllegalArgumentException when engine is null
     */
    public Int8DynamicConfig {
        if (engine == null) {
            throw new IllegalArgumentException("engine must not be null");
        }
    }

    /**
     * Per-tensor weights, the default engine, LSTM and GRU included.
     *
     * @return the configuration
     */
    public static Int8DynamicConfig config() {
        return new Int8DynamicConfig(false, Engine.DEFAULT, true);
    }

    /**
     * This configuration with per-channel or per-tensor weights.
     *
     * @param perChannel one scale per output channel
     * @return a new configuration
     */
    public Int8DynamicConfig withPerChannel(boolean perChannel) {
        return new Int8DynamicConfig(perChannel, engine, rnn);
    }

    /**
     * This configuration on another engine.
     *
     * @param engine the int8 kernel library
     * @return a new configuration
     */
    public Int8DynamicConfig withEngine(Engine engine) {
        return new Int8DynamicConfig(perChannel, engine, rnn);
    }

    /**
     * This configuration with or without LSTM and GRU.
     *
     * @param rnn quantize LSTM and GRU layers too
     * @return a new configuration
     */
    public Int8DynamicConfig withRnn(boolean rnn) {
        return new Int8DynamicConfig(perChannel, engine, rnn);
    }
}
