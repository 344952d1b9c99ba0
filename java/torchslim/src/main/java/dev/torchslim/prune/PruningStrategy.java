package dev.torchslim.prune;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * How masks are chosen (Torch-Pruning's Importance objects): one mask per target, 1 keep and 0
 * prune, shaped like its weight. {@code amount} is the fraction to prune, counted as
 * torch.nn.utils.prune does: round(amount * n), half to even. Ties prune the lower index first.
 */
public interface PruningStrategy {
    /**
     * Chooses the masks.
     *
     * @param targets the weights to prune
     * @param amount the fraction to prune, in [0, 1]
     * @return one mask per target, in the same order
     */
    List<Tensor> masks(List<PruneTarget> targets, double amount);

    /**
     * A short name for reports, e.g. "l1-global".
     *
     * @return the strategy's name
     */
    String name();

    /**
     * L1 magnitude, per layer (torch.nn.utils.prune.l1_unstructured).
     *
     * @return the strategy
     */
    static PruningStrategy l1() {
        return new MagnitudePruner(false);
    }

    /**
     * L1 magnitude, one threshold across all layers (global_unstructured with L1Unstructured).
     *
     * @return the strategy
     */
    static PruningStrategy l1Global() {
        return new MagnitudePruner(true);
    }

    /**
     * Uniformly random per layer, reproducible from seed.
     *
     * @param seed the random seed
     * @return the strategy
     */
    static PruningStrategy random(long seed) {
        return new RandomPruner(seed);
    }

    /**
     * Whole slices along dim with the smallest Ln norm (ln_structured); n in {1, 2, infinity}.
     *
     * @param n the norm order
     * @param dim the dimension whose slices are pruned
     * @return the strategy
     */
    static PruningStrategy ln(double n, int dim) {
        return new LnStructuredPruner(n, dim);
    }

    /**
     * N of every M along the input dimension are kept (2:4 and general N:M); ignores amount.
     *
     * @param n the weights kept per group
     * @param m the group size
     * @return the strategy
     */
    static PruningStrategy nm(int n, int m) {
        return new NMPruner(n, m);
    }
}
