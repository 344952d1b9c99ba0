package dev.torchslim.prune;

import dev.torchslim.jni.PruneApi;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/** Random unstructured pruning; layer i uses seed + i, so a run is reproducible. */
public final class RandomPruner implements PruningStrategy {
    private final long seed;

    /**
     * Uniformly random masks, reproducible from the seed.
     *
     * @param seed the random seed
     */
    public RandomPruner(long seed) {
        this.seed = seed;
    }

    @Override
    public List<Tensor> masks(List<PruneTarget> targets, double amount) {
        Amounts.check(amount);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            out.add(PruneApi.random_unstructured_mask(targets.get(i).weight(), amount, seed + i));
        }
        return out;
    }

    @Override
    public String name() {
        return "random";
    }
}
