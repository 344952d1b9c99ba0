package dev.torchslim.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringSharedModuleDict;
import org.bytedeco.pytorch.StringSharedModuleDictItem;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

/** Finds the prunable weights of a model. */
public final class PruneTargets {
    /** The default layer filter: Conv1d/2d/3d and Linear. */
    public static final Predicate<PruneTarget> CONV_AND_LINEAR = t -> t.isConv() || t.isLinear();

    private PruneTargets() {}

    /**
     * Weights of the modules accepted by filter and not named in skip, in module order.
     *
     * @param model the model to search
     * @param filter accepts the targets to keep
     * @param skip module names to leave out
     * @return the targets, in module order
     */
    public static List<PruneTarget> find(Module model, Predicate<PruneTarget> filter, Set<String> skip) {
        List<PruneTarget> out = new ArrayList<>();
        StringSharedModuleDict modules = model.named_modules();
        for (long i = 0; i < modules.size(); i++) {
            StringSharedModuleDictItem item = modules.get(i);
            org.bytedeco.javacpp.BytePointer key = item.key();
            String name = key == null ? "" : key.getString(); // the root's empty name arrives as null
            Module m = item.value();
            StringTensorDict params = m.named_parameters(false);
            if (!params.contains("weight") || skip.contains(name)) {
                continue;
            }
            // get() is a reference into params, which dies with its scope: hold our own handle on
            // the same parameter (a copy of at::Tensor shares its TensorImpl).
            PruneTarget t = new PruneTarget(name.isEmpty() ? "<root>" : name, m, new Tensor(params.get("weight")));
            if (filter.test(t)) {
                out.add(t);
            }
        }
        return out;
    }
}
