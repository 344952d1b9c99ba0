package dev.torchslim.prune;

import dev.torchslim.jni.PruneApi;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** L1 magnitude pruning, per layer or global (one threshold found by radix select, no sort). */
public final class MagnitudePruner implements PruningStrategy {
    private final boolean global;

    /**
     * L1 magnitude pruning.
     *
     * @param global one threshold across all layers, else one per layer
     */
    public MagnitudePruner(boolean global) {
        this.global = global;
    }

    @Override
    public List<Tensor> masks(List<PruneTarget> targets, double amount) {
        Amounts.check(amount);
        List<Tensor> out = new ArrayList<>();
        if (global) {
            TensorVector ws = new TensorVector();
            for (PruneTarget t : targets) {
                ws.push_back(t.weight());
            }
            TensorVector masks = PruneApi.global_l1_unstructured_masks(ws, amount);
            for (long i = 0; i < masks.size(); i++) {
                out.add(new Tensor(masks.get(i))); // get() refers into masks: hold our own handle
            }
            return out;
        }
        for (PruneTarget t : targets) {
            out.add(PruneApi.l1_unstructured_mask(t.weight(), amount));
        }
        return out;
    }

    @Override
    public String name() {
        return global ? "l1-global" : "l1";
    }
}
