package dev.torchslim.quantize;

/**
 * fp16 or bf16: floating parameters, buffers and constants cast, integer tensors kept, floating
 * inputs cast at the entry of forward; a tensor output cast back to float32 when
 * {@code castOutput}.
 *
 * @param dtype float16 or bfloat16
 * @param castOutput cast a tensor output back to float32
 */
public record HalfPrecisionConfig(Dtype dtype, boolean castOutput) implements QuantizeConfig {
    /** The half-precision type the floating tensors are cast to. */
    public enum Dtype {
        /** IEEE float16. */
        FP16("fp16"),
        /** bfloat16: float32's exponent range, 8 bits of mantissa. */
        BF16("bf16");

        private final String nativeName;

        Dtype(String nativeName) {
            this.nativeName = nativeName;
        }

        /**
         * The name the native converter takes and reports print.
         *
         * @return "fp16" or "bf16"
         */
        public String nativeName() {
            return nativeName;
        }
    }

    /**
     * Checks the dtype.
     *
     * @param dtype float16 or bfloat16
     * @param castOutput cast a tensor output back to float32
     * @throws IllegalArgumentException when dtype is null
     */
    public HalfPrecisionConfig {
        if (dtype == null) {
            throw new IllegalArgumentException("dtype must be fp16 or bf16, got null");
        }
    }

    /**
     * float16, outputs left in float16.
     *
     * @return the configuration
     */
    public static HalfPrecisionConfig fp16() {
        return new HalfPrecisionConfig(Dtype.FP16, false);
    }

    /**
     * bfloat16, outputs left in bfloat16.
     *
     * @return the configuration
     */
    public static HalfPrecisionConfig bf16() {
        return new HalfPrecisionConfig(Dtype.BF16, false);
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
