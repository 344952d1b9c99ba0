package dev.torchslim.lowrank;

/** How a Conv2d is factorized, or not at all. */
public enum ConvFactorization {
    /**
     * Spatial SVD (AIMET's, Jaderberg et al. scheme 2): k x k (Cin -> Cout) becomes k x 1 (Cin -> r) then
     * 1 x k (r -> Cout); the SVD of the weight seen as a (Cin*kh) x (Cout*kw) matrix. The default: two
     * plain convolutions, and a rank policy reads its rank as it does a Linear's.
     */
    SPATIAL("spatial"),
    /** Tucker-2 by HOSVD: 1x1 (Cin -> r_in), the k x k core (r_in -> r_out), 1x1 (r_out -> Cout). */
    TUCKER("tucker"),
    /** Conv2d layers stay dense. */
    NONE("none");

    private final String nativeName;

    ConvFactorization(String nativeName) {
        this.nativeName = nativeName;
    }

    /**
     * The name the native factorizer and the CLI use.
     *
     * @return "spatial", "tucker" or "none"
     */
    public String nativeName() {
        return nativeName;
    }

    /**
     * Parses a name, ignoring case.
     *
     * @param name "spatial", "tucker" or "none"
     * @return the factorization
     * @throws IllegalArgumentException for any other name
     */
    public static ConvFactorization parse(String name) {
        for (ConvFactorization c : values()) {
            if (c.nativeName.equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown conv factorization '" + name + "': expected spatial, tucker or none");
    }
}
