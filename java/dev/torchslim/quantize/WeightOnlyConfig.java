package dev.torchslim.quantize;

/**
 * Weight-only storage for any module: every floating tensor of two or more dimensions as int8
 * (one scale per output channel) or packed int4 (two per byte, one scale per group of inputs).
 */
public record WeightOnlyConfig(int bits, int groupSize) implements QuantizeConfig {
    public WeightOnlyConfig {
        if (bits != 8 && bits != 4) {
            throw new IllegalArgumentException("bits must be 8 or 4, got " + bits);
        }
        if (bits == 4 && (groupSize < 2 || groupSize % 2 != 0)) {
            throw new IllegalArgumentException("int4 group size must be an even number >= 2, got " + groupSize);
        }
    }

    public static WeightOnlyConfig int8() {
        return new WeightOnlyConfig(8, 0);
    }

    /** Packed int4 with one scale per 64 inputs. */
    public static WeightOnlyConfig int4() {
        return int4(64);
    }

    public static WeightOnlyConfig int4(int groupSize) {
        return new WeightOnlyConfig(4, groupSize);
    }
}
