package dev.torchslim.examples;

import dev.torchslim.core.TensorScope;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.lowrank.LayerDecision;
import dev.torchslim.lowrank.LowRank;
import dev.torchslim.lowrank.LowRankResult;
import dev.torchslim.lowrank.RankPolicy;
import dev.torchslim.train.GraphTrainer;
import dev.torchslim.train.Loss;
import java.util.List;
import java.util.Map;

/** The demo's low-rank stage: the baseline's fc1 (50x320) factorized by SVD, then fine-tuned. */
public final class LowRankStages {
    static final double FINE_TUNE_LEARNING_RATE = 1e-4;

    private LowRankStages() {}

    /**
     * Factorizes the baseline's fc1 into two Linears of the given rank, then fine-tunes the result.
     *
     * @param rank the rank of the factors
     * @param epochs the fine-tuning epochs
     * @return the stage
     */
    public static DemoStage fc1(int rank, int epochs) {
        return ctx -> {
            try (ScriptModel dense = DistillationStages.teacher(ctx);
                 LowRankResult r = LowRank.apply(dense, RankPolicy.explicit(Map.of("fc1", rank)));
                 TensorScope scope = new TensorScope()) {
                LayerDecision fc1 = r.layers().get(0);
                List<Double> losses = GraphTrainer.fit(r.model(), DistillationStages.data(ctx), Loss.NLL,
                        new GraphTrainer.Config(DistillationStages.BATCH, FINE_TUNE_LEARNING_RATE, epochs, 1));
                ctx.out().printf("  low-rank: fc1 %dx%d at rank %d keeps %.1f%% of the energy, %d -> %d weights"
                        + " (%.1fx fewer); fine-tuned %d epoch(s), loss %s%n", fc1.layer().outFeatures(),
                        fc1.layer().inFeatures(), fc1.rank(), 100 * fc1.energyKept(), fc1.paramsBefore(), fc1.paramsAfter(),
                        (double) fc1.paramsBefore() / fc1.paramsAfter(), epochs, DistillationStages.rounded(losses));
                ctx.recordScriptModel("low-rank", r.model());
            }
        };
    }
}
