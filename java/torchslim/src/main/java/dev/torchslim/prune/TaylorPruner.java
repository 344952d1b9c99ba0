package dev.torchslim.prune;

import dev.torchslim.jni.PruneApi;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * First-order Taylor importance |w * dL/dw|, accumulated over batches: call {@link #accumulate}
 * after each backward pass, then use it as a strategy (per layer or global).
 */
public final class TaylorPruner implements PruningStrategy {
    private final boolean global;
    private final List<PruneTarget> targets;
    private final List<Tensor> scores = new ArrayList<>();
    private int batches;

    /**
     * A Taylor importance accumulator for the given weights.
     *
     * @param targets the weights whose importance is accumulated
     * @param global one threshold across all layers, else one per layer
     */
    public TaylorPruner(List<PruneTarget> targets, boolean global) {
        this.targets = List.copyOf(Owned.keepTargets(targets));
        this.global = global;
        for (PruneTarget t : targets) {
            scores.add(Owned.keep(torch.zeros_like(t.weight()).detach()));
        }
    }

    /** Adds |w * grad| of the current gradients; call after loss.backward(). */
    public void accumulate() {
        for (int i = 0; i < targets.size(); i++) {
            PruneApi.accumulate_taylor_(scores.get(i), targets.get(i).weight());
        }
        batches++;
    }

    /**
     * How many times {@link #accumulate()} has run.
     *
     * @return the number of accumulated batches
     */
    public int batches() {
        return batches;
    }

    @Override
    public List<Tensor> masks(List<PruneTarget> asked, double amount) {
        Amounts.check(amount);
        if (batches == 0) {
            throw new IllegalStateException("Taylor importance has no gradients yet: call accumulate() after"
                    + " backward() on at least one batch");
        }
        List<Tensor> picked = new ArrayList<>();
        for (PruneTarget t : asked) {
            int i = indexOf(t.name());
            if (i < 0) {
                throw new IllegalArgumentException("layer '" + t.name() + "' was not given to this TaylorPruner");
            }
            picked.add(scores.get(i));
        }
        List<Tensor> out = new ArrayList<>();
        if (global) {
            TensorVector masks = PruneApi.global_importance_masks(new TensorVector(picked.toArray(new Tensor[0])),
                    amount);
            for (long i = 0; i < masks.size(); i++) {
                out.add(masks.get(i).to(asked.get((int) i).weight().scalar_type()));
            }
        } else {
            for (int i = 0; i < picked.size(); i++) {
                out.add(PruneApi.importance_mask(picked.get(i), amount).to(asked.get(i).weight().scalar_type()));
            }
        }
        return out;
    }

    private int indexOf(String name) {
        for (int i = 0; i < targets.size(); i++) {
            if (targets.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String name() {
        return global ? "taylor-global" : "taylor";
    }
}
