package dev.torchslim.cli;

import dev.torchslim.prune.ChannelPruner;
import dev.torchslim.prune.EasyPrune;
import dev.torchslim.prune.PruningStrategy;
import org.bytedeco.pytorch.SequentialImpl;

/** The demo's pruning stages: global L1 (masks) and physical channel removal. */
public final class PruningStages {
    private PruningStages() {}

    /**
     * Global L1 pruning of every Conv/Linear weight to the given sparsity, then one epoch of
     * fine-tuning with the masks held, then unprune(). Prints the accuracy right after pruning.
     *
     * @param amount the fraction of weights to prune, in [0, 1]
     * @param fineTuneEpochs the fine-tuning epochs
     * @return the stage
     */
    public static DemoStage globalL1(double amount, int fineTuneEpochs) {
        String name = String.format(java.util.Locale.ROOT, "pruned %.0f%%", 100 * amount);
        return ctx -> {
            SequentialImpl model = ctx.copyOfBaseline();
            EasyPrune pruner = new EasyPrune(model, amount).strategy(PruningStrategy.l1Global()).prune();
            model.eval();
            ctx.out().printf(java.util.Locale.ROOT, "  %s: accuracy right after global L1 pruning %.2f%%%n", name,
                    100 * ctx.trainer().evaluate(model));
            ctx.trainer().train(model, fineTuneEpochs);
            pruner.unprune();
            ctx.out().print(pruner.report().toString().indent(2));
            ctx.recordModule(name, model);
            ctx.keep(name, model);
        };
    }

    /**
     * Removes the given fraction of filters (L2 norm, dim 0) from every Conv2d and Linear but the
     * last, physically, then fine-tunes the smaller dense model for the given epochs. The demo keeps
     * the Sequential pruner here: on SimpleModel's trace the graph pruner (GraphChannelPruner)
     * removes only conv1's channels so far (conv2's and fc1's groups stay; under investigation).
     *
     * @param amount the fraction of filters to remove, in [0, 1]
     * @param fineTuneEpochs the fine-tuning epochs
     * @return the stage
     */
    public static DemoStage channelsRemoved(double amount, int fineTuneEpochs) {
        String name = String.format(java.util.Locale.ROOT, "channels removed %.0f%%", 100 * amount);
        return ctx -> {
            SequentialImpl model = ctx.copyOfBaseline();
            String report = ChannelPruner.pruneAndRemove(model, amount, 2);
            model.eval();
            ctx.out().printf(java.util.Locale.ROOT, "  %s: %s; accuracy before fine-tuning %.2f%%%n", name,
                    report.trim().replace('\n', ','), 100 * ctx.trainer().evaluate(model));
            ctx.trainer().train(model, fineTuneEpochs);
            ctx.recordModule(name, model);
            ctx.keep(name, model);
        };
    }
}
