package dev.torchslim.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** User-supplied masks by layer name (torch.nn.utils.prune.custom_from_mask); ignores amount. */
public final class CustomMaskPruner implements PruningStrategy {
    private final Map<String, Tensor> masks;

    /**
     * Masks given by module name, 1 keep and 0 prune, each shaped like its weight.
     *
     * @param masks the mask of each layer to prune
     */
    public CustomMaskPruner(Map<String, Tensor> masks) {
        this.masks = Map.copyOf(masks);
    }

    @Override
    public List<Tensor> masks(List<PruneTarget> targets, double amount) {
        List<Tensor> out = new ArrayList<>();
        for (PruneTarget t : targets) {
            Tensor m = masks.get(t.name());
            if (m == null) {
                throw new IllegalArgumentException("no mask given for layer '" + t.name() + "'; masks exist for "
                        + masks.keySet());
            }
            if (!java.util.Arrays.equals(Shapes.of(m), Shapes.of(t.weight()))) {
                throw new IllegalArgumentException("mask for '" + t.name() + "' has shape "
                        + Shapes.text(m) + ", weight has "
                        + Shapes.text(t.weight()));
            }
            out.add(m.to(t.weight().scalar_type()));
        }
        return out;
    }

    @Override
    public String name() {
        return "custom";
    }
}
