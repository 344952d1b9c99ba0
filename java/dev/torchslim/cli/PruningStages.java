package dev.torchslim.cli;

import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.prune.GraphChannelPruner;
import dev.torchslim.train.GraphTrainer;
import dev.torchslim.train.Loss;
import dev.torchslim.train.Trainer;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
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
     * Removes the given fraction of every channel group the graph pruner finds (L2 group
     * importance; the output layer keeps its classes), physically, from a trace of the baseline,
     * then fine-tunes the smaller TorchScript model (Adam, in eval form) for the given epochs.
     *
     * @param amount the fraction of channels to remove from each group, in [0, 1]
     * @param fineTuneEpochs the fine-tuning epochs
     * @return the stage
     */
    public static DemoStage channelsRemoved(double amount, int fineTuneEpochs) {
        String name = String.format(java.util.Locale.ROOT, "channels removed %.0f%%", 100 * amount);
        return ctx -> {
            try (TensorScope scope = new TensorScope()) {
                SequentialImpl model = ctx.copyOfBaseline();
                model.eval();
                Tensor example = ctx.train().images().narrow(0, 0, 2);
                try (ScriptModel traced = ScriptModel.trace(model, example)) {
                    GraphChannelPruner.Result r = GraphChannelPruner.prune(traced, List.of(example), null,
                            GraphChannelPruner.Options.of("l2", amount));
                    try (ScriptModel slim = r.model()) {
                        StringBuilder layers = new StringBuilder();
                        for (GraphChannelPruner.ParamChange c : r.changes()) {
                            if (c.name().endsWith(".weight") && !c.before().equals(c.after())) {
                                layers.append(layers.length() == 0 ? "" : ", ").append(c.name(), 0, c.name().length() - 7)
                                        .append(' ').append(c.before()).append("->").append(c.after());
                            }
                        }
                        ctx.out().printf(java.util.Locale.ROOT, "  %s (graph pruner): %s; accuracy before fine-tuning %.2f%%%n",
                                name, layers, 100 * Trainer.accuracy(slim::forward, ctx.test()));
                        GraphTrainer.fit(slim, TensorData.of("train", ctx.train().images(), ctx.train().labels()), Loss.NLL,
                                new GraphTrainer.Config(64, 1e-3, fineTuneEpochs, 0), false);
                        slim.eval();
                        ctx.recordScriptModel(name, slim);
                    }
                }
            }
        };
    }
}
