package dev.torchslim.quantize;

/**
 * fp16 or bf16: floating parameters, buffers and constants cast, integer tensors kept, floating
 * inputs cast at the entry of forward; a tensor output cast back to float32 when
 * {@code castOutput}.
 */
public record HalfPrecisionConfig(String dtype, boolean castOutput) implements QuantizeConfig {
    public HalfPrecisionConfig {
        if (!"fp16".equals(dtype) && !"bf16".equals(dtype)) {
            throw new IllegalArgumentException("dtype must be fp16 or bf16, got '" + dtype + "'");
        }
    }

    public static HalfPrecisionConfig fp16() {
        return new HalfPrecisionConfig("fp16", false);
    }

    public static HalfPrecisionConfig bf16() {
        return new HalfPrecisionConfig("bf16", false);
    }

    public HalfPrecisionConfig withCastOutput(boolean castOutput) {
        return new HalfPrecisionConfig(dtype, castOutput);
    }
}
