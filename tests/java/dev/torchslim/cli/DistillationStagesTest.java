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

/** The student, distilled-student and low-rank demo stages on a small random data set (real figures: ./torchslim demo). */
class DistillationStagesTest {
    @Test
    void stagesRecordTheirRowsWithTheirParameterCounts() throws Exception {
        torch.manual_seed(9);
        try (Dataset train = new Dataset(torch.randn(640, 1, 28, 28), torch.randint(0L, 10L, new long[] {640}));
             Dataset test = new Dataset(torch.randn(128, 1, 28, 28), torch.randint(0L, 10L, new long[] {128}))) {
            Trainer trainer = new Trainer(train, test, Trainer.Config.defaults().withProgress((PrintStream) null));
            SequentialImpl baseline = SimpleModel.create();
            baseline.eval();
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            DemoContext ctx = new DemoContext(trainer, baseline, new PrintStream(text, true));
            for (DemoStage stage : List.of(DistillationStages.studentFromScratch(), DistillationStages.distilledStudent(),
                    LowRankStages.fc1(DemoCommand.LOW_RANK_FC1, 1))) {
                stage.run(ctx);
            }
            List<StageResult> rows = ctx.table().rows();
            assertEquals(List.of("student from scratch", "distilled student", "low-rank"),
                    rows.stream().map(StageResult::name).toList());
            assertEquals(3146, rows.get(0).params());
            assertEquals(3146, rows.get(1).params());
            // fc1 50x320 at rank 12: 16000 weights -> 12 * 370 = 4440
            assertEquals(21840 - 16000 + 4440, rows.get(2).params());
            for (StageResult r : rows) {
                assertTrue(r.accuracy() >= 0 && r.accuracy() <= 1 && r.sizeBytes() > 0, r.toString());
            }
            assertTrue(text.toString().contains("fc1 50x320 at rank 12"), text.toString());
        }
    }
}
