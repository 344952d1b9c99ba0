package dev.torchslim.lowrank;

/**
 * What the factorizer did with one Conv2d.
 *
 * @param layer the Conv2d
 * @param kind spatial or tucker (none: not factorized by choice of the caller)
 * @param rankIn the rank asked for (spatial: the rank; tucker: the input side's), 0 for none
 * @param rankOut tucker: the output side's rank; spatial: equal to rankIn; 0 for none
 * @param factorized whether the layer was replaced by its factors
 * @param paramsBefore the weight's parameters before
 * @param paramsAfter the weight parameters after (of all factors when factorized)
 * @param energyKept the fraction of ||W||^2 the factors keep (both are orthogonal projections), NaN when not computed
 * @param reason "factorized", or why the layer was kept dense
 */
public record ConvDecision(ConvLayer layer, ConvFactorization kind, int rankIn, int rankOut, boolean factorized,
        long paramsBefore, long paramsAfter, double energyKept, String reason) {
    static ConvDecision dense(ConvLayer layer, ConvFactorization kind, int rankIn, int rankOut, double energy, String reason) {
        return new ConvDecision(layer, kind, rankIn, rankOut, false, layer.denseParams(), layer.denseParams(), energy, reason);
    }

    /**
     * The ranks as printed: "8" (spatial), "8/12" (tucker, in/out), "-" (none).
     *
     * @return the ranks
     */
    public String ranks() {
        if (rankIn == 0) {
            return "-";
        }
        return kind == ConvFactorization.TUCKER ? rankIn + "/" + rankOut : String.valueOf(rankIn);
    }
}
