package dev.torchslim.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.examples.report.StageResult;
import java.util.List;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The four int8 demo stages on a small random data set (the real figures come from ./torchslim demo). */
class QuantizationStagesTest {
    @Test
    void int8StagesRecordThreeRowsAndKeepPrunedZeros() throws Exception {
        try (DemoFixture f = new DemoFixture(2112)) {
            DemoContext ctx = f.ctx();
            SequentialImpl pruned = ctx.copyOfBaseline();
            pruned.named_parameters().get("fc1.weight").data().narrow(1, 0, 160).zero_();
            ctx.keep(QuantizationStages.SOURCE, pruned);
            org.bytedeco.pytorch.Tensor before = pruned.named_parameters().get("fc1.weight").clone();
            for (DemoStage stage : List.of(QuantizationStages.dynamicInt8(), QuantizationStages.staticInt8(),
                    QuantizationStages.qatInt8(), QuantizationStages.onnxInt8())) {
                stage.run(ctx);
            }
            List<StageResult> rows = ctx.table().rows();
            assertEquals(List.of("dynamic int8", "static int8", "QAT int8", "ONNX int8"), rows.stream().map(StageResult::name).toList());
            for (StageResult r : rows) {
                assertTrue(r.accuracy() >= 0 && r.accuracy() <= 1, r.toString());
                assertTrue(r.sizeBytes() > 0 && r.sizeBytes() < 101_000, r.toString());
                // the 50 x 160 pruned block of fc1 stays zero, QAT included
                assertTrue(r.nonzeroParams() <= r.params() - 50 * 160, r.toString());
            }
            assertTrue(f.text().contains("QAT int8"), f.text());
            // ONNX int8 is the static int8 model run by ONNX Runtime: the same accuracy within 2 of 128 inputs
            assertEquals(rows.get(1).accuracy(), rows.get(3).accuracy(), 2.0 / 128 + 1e-9, rows.toString());
            assertTrue(torch.equal(before, pruned.named_parameters().get("fc1.weight")), "QAT changed the kept model");
        }
    }
}
