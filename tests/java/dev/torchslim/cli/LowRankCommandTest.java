package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./torchslim lowrank on the transformer test model: the table, the file, the refusals. */
@Tag("oracle")
class LowRankCommandTest {
    @TempDir
    Path dir;

    private String run(int expected, String... args) {
        return CliRun.run("lowrank", expected, args);
    }

    @Test
    void writesTheFactorizedModelAndPrintsOneRowPerLinear() throws Exception {
        Path in = GraphModels.file("transformer", ".pt");
        Path out = dir.resolve("t.lowrank.pt");
        String table = run(0, "--in", in.toString(), "--out", out.toString(), "--rank", "encoder.linear1:8,fc:6");
        assertTrue(table.contains("encoder.linear1") && table.contains("factorized"), table);
        assertTrue(table.contains("skipped: rank 6 keeps 228 >= 192"), table);  // fc is 6x32
        assertTrue(table.contains("1 of 4 Linears factorized"), table);
        try (ScriptModel m = ScriptModel.load(out)) {
            assertTrue(m.parameterInfo().stream().anyMatch(p -> p.name().equals("encoder.linear1.weight_u")));
        }
    }

    @Test
    void badInputsExitNonZeroWithoutOutput() {
        Path in = GraphModels.file("transformer", ".pt");
        Path out = dir.resolve("never.pt");
        run(2, "--in", in.toString(), "--out", out.toString());
        run(2, "--in", in.toString(), "--out", out.toString(), "--energy", "0.9", "--budget", "0.5");
        run(2, "--in", in.toString(), "--out", out.toString(), "--budget", "1");
        run(1, "--in", in.toString(), "--out", out.toString(), "--rank", "nope:4");
        run(1, "--in", in.toString(), "--out", out.toString(), "--rank", "fc:99");
        run(1, "--in", in.toString(), "--out", out.toString(), "--rank", "fc:4", "--svd", "qr");
        run(1, "--in", GraphModels.file("transformer", ".x.npy").toString(), "--out", out.toString(), "--energy", "0.9");
        assertTrue(Files.notExists(out));
    }
}
