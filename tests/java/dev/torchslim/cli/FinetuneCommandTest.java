package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./torchslim prune then ./torchslim finetune on a residual CNN: pruned weights stay zero, Python runs it. */
@Tag("oracle")
class FinetuneCommandTest {
    @TempDir
    Path dir;

    @Test
    void finetuneKeepsPrunedZerosAndChangesTheOtherWeights() throws Exception {
        Path in = GraphModels.file("resnet", ".pt");
        Path pruned = dir.resolve("pruned.pt");
        Path tuned = dir.resolve("tuned.pt");
        assertEquals(0, Main.run(new String[] {"prune", "--in", in.toString(), "--out", pruned.toString(),
                "--method", "l1", "--amount", "0.5"}));
        assertEquals(0, Main.run(new String[] {"finetune", "--in", pruned.toString(), "--out", tuned.toString(),
                "--data", GraphModels.file("resnet", ".data.pt").toString(), "--epochs", "1", "--batch", "16",
                "--lr", "1e-2"}));
        try (ScriptModel p = ScriptModel.load(pruned); ScriptModel t = ScriptModel.load(tuned)) {
            long zerosPruned = p.parameterCount() - p.nonzeroParameterCount();
            long zerosTuned = t.parameterCount() - t.nonzeroParameterCount();
            assertTrue(zerosPruned > p.parameterCount() / 4, "prune made " + zerosPruned + " zeros");
            assertEquals(zerosPruned, zerosTuned, "fine-tuning revived pruned weights");
            double moved = 0;
            for (int i = 0; i < p.parameters().size(); i++) {
                moved += p.parameters().get(i).sub(t.parameters().get(i)).abs().sum().item_double();
            }
            assertTrue(moved > 0, "fine-tuning changed nothing");
        }
        Path out = dir.resolve("out.npy");
        PythonOracle.run("graph_models.py", "run", tuned.toString(), GraphModels.file("resnet", ".x.npy").toString(),
                out.toString());
        assertTrue(Files.size(out) > 0);
        // no targets: a clear error, no output
        Path never = dir.resolve("never.pt");
        assertEquals(1, Main.run(new String[] {"finetune", "--in", in.toString(), "--out", never.toString(),
                "--data", GraphModels.file("resnet", ".x.npy").toString()}));
        assertTrue(Files.notExists(never));
    }
}
