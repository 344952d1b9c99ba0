package dev.torchslim.lowrank;

/**
 * A Linear layer of a model as the factorizer sees it: its module path, its weight's shape
 * [outFeatures, inFeatures], and its TorchScript class (Linears that share a class are factorized
 * together or not at all).
 *
 * @param name the module path, e.g. "encoder.linear1"
 * @param outFeatures the weight's rows
 * @param inFeatures the weight's columns
 * @param className the module's TorchScript class
 */
public record LinearLayer(String name, long outFeatures, long inFeatures, String className) {
    /**
     * Parameters of the dense weight.
     *
     * @return out_features * in_features
     */
    public long denseParams() {
        return outFeatures * inFeatures;
    }

    /**
     * Parameters of the two factors at a rank.
     *
     * @param rank the rank of the factors
     * @return rank * (out_features + in_features)
     */
    public long factorParams(int rank) {
        return (long) rank * (outFeatures + inFeatures);
    }

    /**
     * The largest rank the weight has.
     *
     * @return min(out_features, in_features)
     */
    public int maxRank() {
        return (int) Math.min(outFeatures, inFeatures);
    }

    /**
     * The largest rank whose factors hold fewer parameters than the dense weight (0: none).
     *
     * @return the rank, or 0 when no rank saves parameters
     */
    public int largestSavingRank() {
        long r = (denseParams() - 1) / (outFeatures + inFeatures);
        return (int) Math.min(r, maxRank());
    }
}
