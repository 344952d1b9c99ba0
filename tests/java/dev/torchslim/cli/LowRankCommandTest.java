package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import dev.torchslim.oracle.PythonOracle;
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
    void budgetWithDataSelectsRanksBySensitivityAndWritesTheJson() throws Exception {
        Path in = GraphModels.file("resnet", ".pt");
        Path data = dir.resolve("teacher.pt");
        PythonOracle.run("lowrank_models.py", "teacher", in.toString(), data.toString(), "128");
        Path out = dir.resolve("r.lowrank.pt");
        Path json = dir.resolve("r.json");
        String text = run(0, "--in", in.toString(), "--out", out.toString(), "--budget", "0.5", "--data", data.toString(),
                "--loss", "ce", "--fractions", "0.25,0.5,0.75", "--json", json.toString());
        assertTrue(text.contains("rank selection: sensitivity on") && text.contains("convs: spatial"), text);
        assertTrue(text.contains("layer1.0.conv1") && text.contains("greedy: candidate layers' weights") && text.contains("uniform ("), text);
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals("sensitivity greedy", j.get("selection").asText());
        // Only ranks that save parameters are measured: fc 10x16 at 0.25, 0.5; the stem's 9x48 matrix at all three;
        // a 16x16x3x3 conv's 48x48 matrix saves below rank 24, so at 0.25 only.
        assertEquals(2 + 3 + 4, j.get("sensitivity").size(), j.toString());
        for (JsonNode row : j.get("sensitivity")) {
            assertTrue(row.get("params").asLong() < row.get("dense_params").asLong(), row.toString());
        }
        assertTrue(j.get("budget_met").asBoolean());
        assertTrue(j.get("candidate_params_after").asLong() <= 0.5 * j.get("candidate_params_before").asLong(), j.toString());
        assertEquals(j.get("model_params_before").asLong() - j.get("weights_before").asLong() + j.get("weights_after").asLong(),
                j.get("model_params_after").asLong());
        try (ScriptModel m = ScriptModel.load(out)) {
            assertEquals(j.get("model_params_after").asLong(), m.parameterCount());
        }
        String plain = run(0, "--in", in.toString(), "--out", dir.resolve("p.pt").toString(), "--budget", "0.5", "--conv", "tucker");
        assertTrue(plain.contains("per-layer budget") && plain.contains("tucker"), plain);
        run(2, "--in", in.toString(), "--out", dir.resolve("x.pt").toString(), "--energy", "0.9", "--data", data.toString());
        run(2, "--in", in.toString(), "--out", dir.resolve("x.pt").toString(), "--energy", "0.9", "--conv", "cp");
        assertTrue(Files.notExists(dir.resolve("x.pt")));
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
