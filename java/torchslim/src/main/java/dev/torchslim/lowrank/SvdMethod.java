package dev.torchslim.lowrank;

/** How a truncated SVD is computed. */
public enum SvdMethod {
    /** LAPACK's full SVD, truncated: optimal, O(m n min(m, n)). */
    EXACT("exact"),
    /** Randomized subspace iteration (Halko et al.): a few GEMMs with rank + oversample columns. */
    RANDOMIZED("randomized"),
    /** Randomized for matrices with {@code min(m, n) >= 1024} and {@code rank + 10 <= min(m, n) / 4}, else exact. */
    AUTO("auto");

    private final String nativeName;

    SvdMethod(String nativeName) {
        this.nativeName = nativeName;
    }

    /**
     * The name the native factorizer takes.
     *
     * @return "exact", "randomized" or "auto"
     */
    public String nativeName() {
        return nativeName;
    }

    /**
     * Parses a method name, ignoring case.
     *
     * @param name "exact", "randomized" or "auto"
     * @return the method
     * @throws IllegalArgumentException for any other name
     */
    public static SvdMethod parse(String name) {
        for (SvdMethod m : values()) {
            if (m.nativeName.equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown SVD method '" + name + "': expected exact, randomized or auto");
    }
}
