package dev.torchslim.quantize;

/**
 * Weight-only storage for any module: every floating tensor of two or more dimensions as int8
 * (one scale per output channel) or packed int4 (two per byte, one scale per group of inputs).
 *
 * @param bits 8 or 4
 * @param groupSize inputs per scale for int4 (even, at least 2); ignored for int8
 */
public record WeightOnlyConfig(int bits, int groupSize) implements QuantizeConfig {
    /**
     * Checks the arguments.
     *
     * @param bits 8 or 4
     * @param groupSize inputs per int4 scale
     * @throws IllegalArgumentException unless bits is 8 or 4, and for int4 the group size is even and at
     *     least 2
     */
    public WeightOnlyConfig {
        if (bits != 8 && bits != 4) {
            throw new IllegalArgumentException("bits must be 8 or 4, got " + bits);
        }
        if (bits == 4 && (groupSize < 2 || groupSize % 2 != 0)) {
            throw new IllegalArgumentException("int4 group size must be an even number >= 2, got " + groupSize);
        }
    }

    /**
     * int8 with one scale per output channel.
     *
     * @return the configuration
     */
    public static WeightOnlyConfig int8() {
        return new WeightOnlyConfig(8, 0);
    }

    /**
     * Packed int4 with one scale per 64 inputs.
     *
     * @return the configuration
     */
    public static WeightOnlyConfig int4() {
        return int4(64);
    }

    /**
     * Packed int4 with one scale per groupSize inputs.
     *
     * @param groupSize inputs per scale, even and at least 2
     * @return the configuration
     */
    public static WeightOnlyConfig int4(int groupSize) {
        return new WeightOnlyConfig(4, groupSize);
    }
}
