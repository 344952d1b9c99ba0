package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.data.Dataset;
import dev.torchslim.model.SimpleModel;
import dev.torchslim.report.StageResult;
import dev.torchslim.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The demo's pruning stages (masks, then the graph pruner's channel removal) end to end on a small random data set (the real figures come from ./torchslim demo). */
class PruningStagesTest {
    @Test
    void pruningStagesRecordTheirRowsAndChannelsRemovedFineTunes() throws Exception {
        torch.manual_seed(9);
        try (Dataset train = new Dataset(torch.randn(256, 1, 28, 28), torch.randint(0L, 10L, new long[] {256}));
             Dataset test = new Dataset(torch.randn(128, 1, 28, 28), torch.randint(0L, 10L, new long[] {128}))) {
            Trainer trainer = new Trainer(train, test, Trainer.Config.defaults().withProgress((PrintStream) null));
            SequentialImpl baseline = SimpleModel.create();
            baseline.eval();
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            DemoContext ctx = new DemoContext(trainer, baseline, new PrintStream(text, true));
            for (DemoStage stage : List.of(PruningStages.globalL1(0.5, 1), PruningStages.channelsRemoved(0.5, 1))) {
                stage.run(ctx);
            }
            List<StageResult> rows = ctx.table().rows();
            assertEquals(List.of("pruned 50%", "channels removed 50%"), rows.stream().map(StageResult::name).toList(),
                    text.toString());
            assertTrue(rows.get(0).nonzeroParams() <= rows.get(0).params() / 2 + 100, rows.get(0).toString());
            // the graph pruner halves conv1/conv2, conv2/fc1 and fc1/fc2: 21,840 -> 5,675 parameters
            assertEquals(5675, rows.get(1).params(), rows.get(1) + "\n" + text);
            assertTrue(text.toString().contains("channels per group 10->5, 20->10, 50->25"), text.toString());
        }
    }
}
