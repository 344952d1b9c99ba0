package dev.torchslim.quantize;

/** Casts a module's floating parameters and buffers to fp16 or bf16 (fp32 casts back). */
public record HalfPrecisionConfig(String dtype) implements QuantizeConfig {
    public HalfPrecisionConfig {
        if (!dtype.equals("fp16") && !dtype.equals("bf16") && !dtype.equals("fp32")) {
            throw new IllegalArgumentException("dtype must be fp16, bf16 or fp32, got '" + dtype + "'");
        }
    }

    public static HalfPrecisionConfig fp16() {
        return new HalfPrecisionConfig("fp16");
    }

    public static HalfPrecisionConfig bf16() {
        return new HalfPrecisionConfig("bf16");
    }

    public static HalfPrecisionConfig fp32() {
        return new HalfPrecisionConfig("fp32");
    }
}
