package dev.torchslim.examples;

import dev.torchslim.cli.DemoCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.examples.report.StageResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The student, distilled-student and low-rank demo stages on a small random data set (real figures: ./torchslim demo). */
class DistillationStagesTest {
    @Test
    void stagesRecordTheirRowsWithTheirParameterCounts() throws Exception {
        try (DemoFixture f = new DemoFixture(640)) {
            DemoContext ctx = f.ctx();
            // 3 epochs, not the demo's 40, to keep the test short; the stages are the demo's otherwise
            for (DemoStage stage : List.of(DistillationStages.studentFromScratch(DistillationStages.STUDENT_SEED,
                    DistillationStages.SHUFFLE_SEED, 3), DistillationStages.distilledStudent(DistillationStages.KD, null,
                    DistillationStages.STUDENT_SEED, DistillationStages.SHUFFLE_SEED, 3),
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
            assertTrue(f.text().contains("fc1 50x320 at rank 12"), f.text());
            // the students see the first TRAIN_ROWS rows (all 640 here), the same for both
            assertTrue(f.text().contains("student from scratch: 640 rows, 3 epochs")
                    && f.text().contains("distilled student: teacher baseline, 640 rows, 3 epochs, T 1.00, alpha 0.700"), f.text());
        }
    }
}
