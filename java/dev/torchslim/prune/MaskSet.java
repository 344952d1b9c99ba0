package dev.torchslim.prune;

import dev.torchslim.jni.PruneApi;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Masks applied to weights and held there: each weight is multiplied by its mask, and a
 * gradient hook multiplies its gradient by the mask, so optimizers (SGD with momentum and
 * weight decay, Adam, AdamW) never move a pruned weight away from exactly zero as long as their
 * state for it starts at zero. {@link #reapply} after step() covers optimizers with older state.
 */
final class MaskSet {
    private final List<PruneTarget> targets;
    private final List<Tensor> masks;
    private final long[] hooks;

    MaskSet(List<PruneTarget> targets, List<Tensor> masks) {
        if (targets.size() != masks.size()) {
            throw new IllegalArgumentException(targets.size() + " targets but " + masks.size() + " masks");
        }
        this.targets = List.copyOf(targets);
        this.masks = new ArrayList<>(Owned.keepAll(masks));
        this.hooks = new long[targets.size()];
        for (int i = 0; i < targets.size(); i++) {
            Tensor w = targets.get(i).weight();
            PruneApi.apply_mask_(w, masks.get(i));
            hooks[i] = w.requires_grad() ? PruneApi.register_mask_hook(w, masks.get(i)) : -1;
        }
    }

    void reapply() {
        for (int i = 0; i < targets.size(); i++) {
            PruneApi.apply_mask_(targets.get(i).weight(), masks.get(i));
        }
    }

    List<Tensor> masks() {
        return masks;
    }

    /** Removes the hooks and frees the masks; the weights keep their zeros. */
    void release() {
        for (int i = 0; i < targets.size(); i++) {
            if (hooks[i] >= 0) {
                PruneApi.remove_mask_hook(targets.get(i).weight(), hooks[i]);
            }
            masks.get(i).close();
        }
        masks.clear();
    }
}
