package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.distill.KdConfig;
import dev.torchslim.distill.KdLoss;
import dev.torchslim.distill.TeacherLogits;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.lowrank.LowRank;
import dev.torchslim.lowrank.LowRankResult;
import dev.torchslim.lowrank.RankPolicy;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./torchslim distill: a low-rank transformer distilled back towards its dense teacher. */
@Tag("oracle")
class DistillCommandTest {
    @TempDir
    Path dir;

    private static double softLoss(Path studentFile, Tensor teacherOut, TensorData data) {
        try (ScriptModel s = ScriptModel.load(studentFile)) {
            return KdLoss.compute(TeacherLogits.compute(s, data.x(), 64), teacherOut, data.y(), new KdConfig(2, 1)).item_double();
        }
    }

    @Test
    void distilsALowRankStudentTowardsItsTeacher() {
        Path teacher = GraphModels.file("transformer", ".pt");
        Path data = GraphModels.file("transformer", ".data.pt");
        Path student = dir.resolve("student.pt");
        Path out = dir.resolve("distilled.pt");
        try (TensorScope scope = new TensorScope(); ScriptModel t = ScriptModel.load(teacher)) {
            try (LowRankResult r = LowRank.apply(t, RankPolicy.budget(0.2))) {
                r.model().save(student);
            }
            TensorData d = TensorData.load(data);
            Tensor teacherOut = TeacherLogits.compute(t, d.x(), 64);
            double before = softLoss(student, teacherOut, d);
            assertEquals(0, Main.run(new String[] {"distill", "--teacher", teacher.toString(), "--student", student.toString(),
                    "--out", out.toString(), "--data", data.toString(), "--temperature", "2", "--alpha", "1",
                    "--epochs", "20", "--batch", "16", "--lr", "1e-3"}));
            double after = softLoss(out, teacherOut, d);
            assertTrue(after < 0.8 * before, "KL to the teacher went from " + before + " to " + after);
        }
    }

    @Test
    void hintsDistilAResidualStudentAndSaveNoAdapter() throws Exception {
        Path hints = Path.of("target", "oracle-models", "hints");
        if (!Files.exists(hints.resolve("student.stem.npy"))) {
            Files.createDirectories(hints);
            PythonOracle.run("hint_models.py", "make", hints.toString());
        }
        String[] base = {"distill", "--teacher", hints.resolve("teacher.pt").toString(), "--student",
                hints.resolve("student.pt").toString(), "--data", hints.resolve("data.pt").toString(), "--epochs", "2",
                "--batch", "16"};
        Path mse = dir.resolve("mse.pt");
        assertEquals(0, Main.run(concat(base, "--out", mse.toString(), "--hint", "layer1:layer1", "--hint", "stem:stem",
                "--hint-weight", "0.5")));
        Path at = dir.resolve("at.pt");
        assertEquals(0, Main.run(concat(base, "--out", at.toString(), "--hint", "layer1:layer1,stem:stem", "--hint-loss", "at",
                "--hint-weight", "100")));
        for (Path p : new Path[] {mse, at}) {
            String py = PythonOracle.run("hint_models.py", "params", p.toString());
            assertTrue(py.contains("\"count\": 1514") && py.contains("\"out\": [2, 10]"), py);
        }
        Path never = dir.resolve("never.pt");
        assertEquals(2, Main.run(concat(base, "--out", never.toString(), "--hint-weight", "2")));
        assertEquals(2, Main.run(concat(base, "--out", never.toString(), "--hint", "layer1")));
        assertEquals(2, Main.run(concat(base, "--out", never.toString(), "--hint", "layer1:layer1", "--hint-loss", "l2")));
        assertEquals(1, Main.run(concat(base, "--out", never.toString(), "--hint", "layer7:layer1")));
        assertTrue(Files.notExists(never));
    }

    @Test
    void badInputsExitNonZeroWithoutOutput() {
        Path teacher = GraphModels.file("transformer", ".pt");
        Path data = GraphModels.file("transformer", ".data.pt");
        Path out = dir.resolve("never.pt");
        String[] base = {"distill", "--teacher", teacher.toString(), "--student", teacher.toString(), "--out", out.toString(),
                "--data", data.toString()};
        assertEquals(2, Main.run(new String[] {"distill", "--teacher", teacher.toString(), "--out", out.toString()}));
        assertEquals(2, Main.run(concat(base, "--alpha", "1.5")));
        assertEquals(2, Main.run(concat(base, "--temperature", "0")));
        assertEquals(2, Main.run(new String[] {"distill", "--teacher", dir.resolve("none.pt").toString(), "--student",
                teacher.toString(), "--out", out.toString(), "--data", data.toString()}));
        // the resnet predicts 10 classes, the transformer 6 (and takes other inputs)
        assertEquals(1, Main.run(new String[] {"distill", "--teacher", GraphModels.file("resnet", ".pt").toString(),
                "--student", teacher.toString(), "--out", out.toString(), "--data", data.toString()}));
        assertTrue(Files.notExists(out));
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
