package dev.torchslim.quantize;

/**
 * Static int8: activation ranges from calibration batches, Conv+BN folded, ReLU fused, weights
 * per output channel (symmetric qint8) or per tensor, activations per tensor (affine quint8,
 * 7-bit on x86/FBGEMM as PyTorch does).
 *
 * @param observer how activation ranges are recorded
 * @param perChannel one weight scale per output channel instead of per tensor
 * @param engine the int8 kernel library
 */
public record Int8StaticConfig(Observer observer, boolean perChannel, Engine engine) implements QuantizeConfig {
    /**
     * Checks the arguments.
     *
     * @param observer the activation observer, not null
     * @param perChannel per-channel weight scales
     * @param engine the int8 kernel library, not null
     * @throws IllegalArgumentException when observer or engine is null
     */
    public Int8StaticConfig {
        if (observer == null || engine == null) {
            throw new IllegalArgumentException("observer and engine must not be null");
        }
    }

    /**
     * MinMax activations, per-channel weights, the default engine.
     *
     * @return the configuration
     */
    public static Int8StaticConfig config() {
        return new Int8StaticConfig(Observer.MIN_MAX, true, Engine.DEFAULT);
    }

    /**
     * This configuration with another activation observer.
     *
     * @param observer the observer
     * @return a new configuration
     */
    public Int8StaticConfig withObserver(Observer observer) {
        return new Int8StaticConfig(observer, perChannel, engine);
    }

    /**
     * This configuration with per-channel or per-tensor weights.
     *
     * @param perChannel one scale per output channel
     * @return a new configuration
     */
    public Int8StaticConfig withPerChannel(boolean perChannel) {
        return new Int8StaticConfig(observer, perChannel, engine);
    }

    /**
     * This configuration on another engine.
     *
     * @param engine the int8 kernel library
     * @return a new configuration
     */
    public Int8StaticConfig withEngine(Engine engine) {
        return new Int8StaticConfig(observer, perChannel, engine);
    }
}
