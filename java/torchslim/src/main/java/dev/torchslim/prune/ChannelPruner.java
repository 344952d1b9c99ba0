package dev.torchslim.prune;

import dev.torchslim.jni.PruneApi;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * Physical channel removal, the speedup mask pruning never gives: filters whose weights are all
 * zero leave the model, with the matching input channels of the next Conv2d/Linear (through
 * BatchNorm, activations, pooling, dropout and flatten). The result is a smaller dense model
 * with the same outputs (in eval mode). Models it cannot analyse raise TorchSlimException and
 * stay unchanged.
 */
public final class ChannelPruner {
    private ChannelPruner() {}

    /**
     * Removes all-zero filters in place; returns one line per shrunk layer ("conv1 10->5").
     *
     * @param model the Sequential to shrink
     * @return the report, one line per shrunk layer
     */
    public static String removeZeroChannels(SequentialImpl model) {
        if (model == null) {
            throw new IllegalArgumentException("model is null");
        }
        return PruneApi.remove_zero_channels(model);
    }

    /**
     * Prunes round(amount * filters) filters of every Conv2d and Linear but the last one by their
     * Ln norm (ln_structured, dim 0), then removes them. Returns the removal report.
     *
     * @param model the Sequential to prune and shrink
     * @param amount the fraction of filters to remove, in [0, 1]
     * @param n the order of the norm that ranks the filters
     * @return the report, one line per shrunk layer
     */
    public static String pruneAndRemove(SequentialImpl model, double amount, double n) {
        Amounts.check(amount);
        List<PruneTarget> targets = PruneTargets.find(model,
                t -> t.type().equals("torch::nn::Conv2dImpl") || t.isLinear(), java.util.Set.of());
        if (targets.size() < 2) {
            throw new IllegalArgumentException("channel pruning needs at least two Conv2d/Linear layers, found "
                    + targets.size());
        }
        List<PruneTarget> inner = targets.subList(0, targets.size() - 1);
        List<Tensor> masks = new LnStructuredPruner(n, 0).masks(inner, amount);
        for (int i = 0; i < inner.size(); i++) {
            PruneApi.apply_mask_(inner.get(i).weight(), masks.get(i));
            masks.get(i).close();
        }
        return removeZeroChannels(model);
    }

    /**
     * For any module: accepted only when it is a Sequential.
     *
     * @param model the module; anything but a Sequential is refused
     * @return the report, one line per shrunk layer
     */
    public static String removeZeroChannels(Module model) {
        SequentialImpl seq = model == null ? null : model.asSequential();
        if (seq == null) {
            throw new IllegalArgumentException("channel removal needs a SequentialImpl model, got "
                    + (model == null ? "null" : model.name().getString()));
        }
        return removeZeroChannels(seq);
    }
}
