package dev.torchslim.quantize;

/**
 * fp16 or bf16: floating parameters, buffers and constants cast, integer tensors kept, floating
 * inputs cast at the entry of forward; a tensor output cast back to float32 when
 * {@code castOutput}.
 *
 * @param dtype "fp16" or "bf16"
 * @param castOutput cast a tensor output back to float32
 */
public record HalfPrecisionConfig(String dtype, boolean castOutput) implements QuantizeConfig {
    /**
     * Checks the dtype.
     *
     * @param dtype "fp16" or "bf16"
     * @param castOutput cast a tensor output back to float32
     * @throws IllegalArgumentException for any other dtype
     */
    public HalfPrecisionConfig {
        if (!"fp16".equals(dtype) && !"bf16".equals(dtype)) {
            throw new IllegalArgumentException("dtype must be fp16 or bf16, got '" + dtype + "'");
        }
    }

    /**
     * float16, outputs left in float16.
     *
     * @return the configuration
     */
    public static HalfPrecisionConfig fp16() {
        return new HalfPrecisionConfig("fp16", false);
    }

    /**
     * bfloat16, outputs left in bfloat16.
     *
     * @return the configuration
     */
    public static HalfPrecisionConfig bf16() {
        return new HalfPrecisionConfig("bf16", false);
    }

    /**
     * This configuration with or without the cast of the output back to float32.
     *
     * @param castOutput cast a tensor output back to float32
     * @return a new configuration
     */
    public HalfPrecisionConfig withCastOutput(boolean castOutput) {
        return new HalfPrecisionConfig(dtype, castOutput);
    }
}
