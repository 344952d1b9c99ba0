package dev.torchslim.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.examples.report.StageResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's pruning stages (masks, then the graph pruner's channel removal) end to end on a small random data set (the real figures come from ./torchslim demo). */
class PruningStagesTest {
    @Test
    void pruningStagesRecordTheirRowsAndChannelsRemovedFineTunes() throws Exception {
        try (DemoFixture f = new DemoFixture(256)) {
            DemoContext ctx = f.ctx();
            for (DemoStage stage : List.of(PruningStages.globalL1(0.5, 1), PruningStages.channelsRemoved(0.5, 1))) {
                stage.run(ctx);
            }
            List<StageResult> rows = ctx.table().rows();
            assertEquals(List.of("pruned 50%", "channels removed 50%"), rows.stream().map(StageResult::name).toList(),
                    f.text());
            assertTrue(rows.get(0).nonzeroParams() <= rows.get(0).params() / 2 + 100, rows.get(0).toString());
            // the graph pruner halves conv1/conv2, conv2/fc1 and fc1/fc2: 21,840 -> 5,675 parameters
            assertEquals(5675, rows.get(1).params(), rows.get(1) + "\n" + f.text());
            assertTrue(f.text().contains("channels per group 10->5, 20->10, 50->25"), f.text());
        }
    }
}
