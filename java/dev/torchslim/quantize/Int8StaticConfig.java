package dev.torchslim.quantize;

/**
 * Static int8: activation ranges from calibration batches, Conv+BN folded, ReLU fused, weights
 * per output channel (symmetric qint8) or per tensor, activations per tensor (affine quint8,
 * 7-bit on x86/FBGEMM as PyTorch does).
 */
public record Int8StaticConfig(Observer observer, boolean perChannel, Engine engine) implements QuantizeConfig {
    public Int8StaticConfig {
        if (observer == null || engine == null) {
            throw new IllegalArgumentException("observer and engine must not be null");
        }
    }

    /** MinMax activations, per-channel weights, the default engine. */
    public static Int8StaticConfig config() {
        return new Int8StaticConfig(Observer.MIN_MAX, true, Engine.DEFAULT);
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
