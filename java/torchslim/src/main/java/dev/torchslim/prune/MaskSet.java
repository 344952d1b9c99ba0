package dev.torchslim.prune;

import dev.torchslim.jni.PruneApi;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Masks applied to weights and held there: each weight is multiplied by its mask, and a
 * gradient hook multiplies its gradient by the mask, so optimizers (SGD with momentum and
 * weight decay, Adam, AdamW) never move a pruned weight away from exactly zero as long as their
 * state for it starts at zero. {@link #reapply} after step() covers optimizers with older state.
 *
 * <p>Every live MaskSet is stacked on each weight it masks (keyed by the weight's TensorImpl), so
 * a pruner can tell whether another pruner masked the same weight after it ({@link #laterOn}):
 * restoring dense copies under a later pruner's masks would silently leave its zeros or, worse,
 * bring back weights that pruner still holds at zero.
 */
final class MaskSet {
    // Weak: a pruner dropped without unprune()/close() must not be kept alive by this registry.
    private static final Map<Long, Deque<WeakReference<MaskSet>>> ON_WEIGHT = new HashMap<>();

    private final List<PruneTarget> targets;
    private final List<Tensor> masks;
    private final long[] hooks;
    private final long[] keys;
    private final String owner;

    MaskSet(List<PruneTarget> targets, List<Tensor> masks) {
        this(targets, masks, "a pruner");
    }

    /** owner names the pruner in messages (e.g. "EasyPrune(l1, 0.5)"). */
    MaskSet(List<PruneTarget> targets, List<Tensor> masks, String owner) {
        if (targets.size() != masks.size()) {
            throw new IllegalArgumentException(targets.size() + " targets but " + masks.size() + " masks");
        }
        this.targets = List.copyOf(targets);
        this.masks = new ArrayList<>(Owned.keepAll(masks));
        this.hooks = new long[targets.size()];
        this.keys = new long[targets.size()];
        this.owner = owner;
        for (int i = 0; i < targets.size(); i++) {
            Tensor w = targets.get(i).weight();
            PruneApi.apply_mask_(w, masks.get(i));
            hooks[i] = w.requires_grad() ? PruneApi.register_mask_hook(w, masks.get(i)) : -1;
            keys[i] = w.unsafeGetTensorImpl().address();
        }
        synchronized (ON_WEIGHT) {
            for (long key : keys) {
                Deque<WeakReference<MaskSet>> stack = ON_WEIGHT.computeIfAbsent(key, k -> new ArrayDeque<>());
                stack.removeIf(r -> r.get() == null);
                stack.push(new WeakReference<>(this));
            }
        }
    }

    /**
     * The first weight of this set that a MaskSet created later still masks, as
     * "layer (by OWNER)"; null when none does.
     */
    String laterOn() {
        synchronized (ON_WEIGHT) {
            for (int i = 0; i < keys.length; i++) {
                Deque<WeakReference<MaskSet>> stack = ON_WEIGHT.get(keys[i]);
                if (stack == null) {
                    continue;
                }
                stack.removeIf(r -> r.get() == null);
                MaskSet top = stack.isEmpty() ? null : stack.peek().get();
                if (top != null && top != this) {
                    return "'" + targets.get(i).name() + "' (by " + top.owner + ")";
                }
            }
            return null;
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
        synchronized (ON_WEIGHT) {
            for (long key : keys) {
                Deque<WeakReference<MaskSet>> stack = ON_WEIGHT.get(key);
                if (stack != null) {
                    stack.removeIf(r -> r.get() == null || r.get() == this);
                    if (stack.isEmpty()) {
                        ON_WEIGHT.remove(key);
                    }
                }
            }
        }
    }
}
