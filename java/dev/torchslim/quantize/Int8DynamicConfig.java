package dev.torchslim.quantize;

/**
 * Dynamic int8: int8 weights for every Linear (and LSTM/GRU when {@code rnn}), activations
 * quantized per call. Per-tensor weights by default, as {@code quantize_dynamic_jit}.
 */
public record Int8DynamicConfig(boolean perChannel, Engine engine, boolean rnn) implements QuantizeConfig {
    public Int8DynamicConfig {
        if (engine == null) {
            throw new IllegalArgumentException("engine must not be null");
        }
    }

    public static Int8DynamicConfig config() {
        return new Int8DynamicConfig(false, Engine.DEFAULT, true);
    }

    public Int8DynamicConfig withPerChannel(boolean perChannel) {
        return new Int8DynamicConfig(perChannel, engine, rnn);
    }

    public Int8DynamicConfig withEngine(Engine engine) {
        return new Int8DynamicConfig(perChannel, engine, rnn);
    }

    public Int8DynamicConfig withRnn(boolean rnn) {
        return new Int8DynamicConfig(perChannel, engine, rnn);
    }
}
