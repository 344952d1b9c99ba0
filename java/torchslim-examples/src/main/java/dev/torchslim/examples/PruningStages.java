package dev.torchslim.examples;

import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.prune.EasyPrune;
import dev.torchslim.prune.GraphChannelPruner;
import dev.torchslim.prune.Importance;
import dev.torchslim.prune.PruningStrategy;
import dev.torchslim.train.GraphTrainer;
import dev.torchslim.train.Loss;
import dev.torchslim.examples.train.Trainer;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;

/** The demo's pruning stages: global L1 (masks) and physical channel removal on the traced graph. */
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
     * Removes the given fraction of channels (L2 importance) from every hidden layer physically with
     * the graph pruner: the baseline is traced, {@link GraphChannelPruner} removes the chosen
     * channels of each coupled group (conv1/conv2, conv2/fc1 through flatten, fc1/fc2; the output's
     * 10 classes stay), then the smaller dense TorchScript model fine-tunes for the given epochs.
     *
     * @param amount the fraction of each group's channels to remove, in [0, 1]
     * @param fineTuneEpochs the fine-tuning epochs
     * @return the stage
     */
    public static DemoStage channelsRemoved(double amount, int fineTuneEpochs) {
        String name = String.format(Locale.ROOT, "channels removed %.0f%%", 100 * amount);
        return ctx -> {
            // Models are made outside any TensorScope: a scope would free their native handles when it closes.
            Tensor example = example(ctx);
            GraphChannelPruner.Result r;
            try (ScriptModel traced = ScriptModel.trace(ctx.baseline(), example)) {
                r = GraphChannelPruner.prune(traced, List.of(example), null, GraphChannelPruner.Options.of(Importance.L2, amount));
            }
            try (ScriptModel pruned = r.model(); TensorScope scope = new TensorScope()) {
                pruned.eval();
                StringBuilder groups = new StringBuilder();
                r.unitsBeforeAfter().forEach((id, u) -> groups.append(groups.isEmpty() ? "" : ", ")
                        .append(u[0]).append("->").append(u[1]));
                ctx.out().printf(Locale.ROOT, "  %s: channels per group %s; accuracy before fine-tuning %.2f%%%n", name,
                        groups, 100 * Trainer.accuracy(pruned::forward, ctx.test()));
                TensorData data = TensorData.of("fashion-mnist train", ctx.train().images(), ctx.train().labels());
                Trainer.Config c = ctx.trainer().config();
                GraphTrainer.fit(pruned, data, Loss.NLL, new GraphTrainer.Config(c.batchSize(), c.learningRate(),
                        fineTuneEpochs, c.seed()));
                ctx.recordScriptModel(name, pruned);
            }
        };
    }

    /** Two test images: the example batch that shapes the pruner's analysis. */
    private static Tensor example(DemoContext ctx) {
        return ctx.test().images().narrow(0, 0, 2).contiguous();
    }
}
