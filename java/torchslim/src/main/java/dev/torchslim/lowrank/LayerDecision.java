package dev.torchslim.lowrank;

/**
 * What the factorizer did with one Linear: the rank the policy asked for (0: none), whether the
 * layer was factorized, the weight's parameters before and after, the fraction of sum(s^2) the
 * rank keeps (NaN when not computed), and why it was kept dense when it was.
 *
 * @param layer the Linear
 * @param rank the rank the policy asked for, 0 for none
 * @param factorized whether the layer was replaced by two factors
 * @param paramsBefore the weight's parameters before
 * @param paramsAfter the weight parameters after (of both factors when factorized)
 * @param energyKept the fraction of sum(s^2) the rank keeps, NaN when not computed
 * @param reason "factorized", or why the layer was kept dense
 */
public record LayerDecision(LinearLayer layer, int rank, boolean factorized, long paramsBefore, long paramsAfter,
        double energyKept, String reason) {
    static LayerDecision dense(LinearLayer layer, int rank, double energy, String reason) {
        return new LayerDecision(layer, rank, false, layer.denseParams(), layer.denseParams(), energy, reason);
    }
}
