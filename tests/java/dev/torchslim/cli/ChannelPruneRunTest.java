package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./torchslim prune --method channel on the residual CNN test model: the table, the JSON, the file. */
@Tag("oracle")
class ChannelPruneRunTest {
    @TempDir
    Path dir;

    private String run(int expected, String... args) {
        return CliRun.run("prune", expected, args);
    }

    @Test
    void prunesChannelsAndReportsLayersParamsAndLatency() throws Exception {
        Path in = GraphModels.file("resnet", ".pt");
        Path out = dir.resolve("r.channel.pt");
        Path json = dir.resolve("r.json");
        String text = run(0, "--in", in.toString(), "--out", out.toString(), "--method", "channel", "--amount", "0.5",
                "--shape", "3,16,16", "--batch", "1,4", "--runs", "2", "--ignore", "layer1.1", "--json", json.toString());
        assertTrue(text.contains("layer1.0.conv1.weight: 16x16x3x3 -> 8x16x3x3"), text);
        assertTrue(text.contains("params: 9994 -> "), text);
        assertTrue(text.contains("latency batch 4, 2 threads"), text);
        assertTrue(text.contains("fixed: 10 channels: model output"), text);
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals("prune", j.path("command").asText(), j.toString());
        assertTrue(j.path("environment").path("libtorch_version").asText().startsWith("2."), j.toString());
        assertEquals(9994, j.path("params_before").asLong(), j.toString());
        assertEquals(4, j.path("latency").path(1).path("batch").asInt(), j.toString());
        boolean conv1 = false;
        for (JsonNode layer : j.path("layers")) {
            conv1 |= layer.path("name").asText().equals("layer1.0.conv1.weight")
                    && layer.path("before").toString().equals("[16,16,3,3]") && layer.path("after").toString().equals("[8,16,3,3]");
        }
        assertTrue(conv1, j.path("layers").toString());
        try (ScriptModel m = ScriptModel.load(out)) {
            assertTrue(m.parameterCount() < 9994);
        }
    }

    @Test
    void aResidualStreamOnTheInputFeaturesIsReadInPartAndSaidSo() throws Exception {
        Path in = GraphModels.file("features", ".pt");  // x + fc2(relu(fc1(x))) twice, on [batch, 6, 16] features
        Path x = GraphModels.file("features", ".x.npy");
        Path json = dir.resolve("f.json");
        String text = run(0, "--in", in.toString(), "--out", dir.resolve("f.pt").toString(), "--method", "channel",
                "--amount", "0.5", "--data", x.toString(), "--batch", "1", "--runs", "2", "--json", json.toString());
        assertTrue(text.contains("group 0: 16 -> 8 [input.0, fc1, fc2, ") && text.contains("input.0 dim 2: 16 -> 8 channels read"),
                text);
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals("[{\"name\":\"input.0\",\"dim\":2,\"before\":16,\"after\":8}]", j.path("inputs").toString(), j.toString());
        String kept = run(0, "--in", in.toString(), "--out", dir.resolve("k.pt").toString(), "--method", "channel",
                "--amount", "0.5", "--data", x.toString(), "--batch", "1", "--runs", "2", "--ignore", "input.0",
                "--json", json.toString());
        assertTrue(kept.contains("group 0: 16 -> 16 [input.0, ") && !kept.contains("channels read"), kept);
        assertEquals("[]", new ObjectMapper().readTree(json.toFile()).path("inputs").toString());
    }

    @Test
    void speedupChoosesRatiosFromAMeasuredLatencyTable() throws Exception {
        Path in = GraphModels.file("resnet", ".pt");
        Path out = dir.resolve("r.speedup.pt");
        Path json = dir.resolve("s.json");
        String text = run(0, "--in", in.toString(), "--out", out.toString(), "--method", "channel", "--speedup", "1.5",
                "--shape", "3,16,16", "--batch", "8", "--runs", "2", "--lut-runs", "1", "--json", json.toString());
        assertTrue(text.contains("measuring the latency table: 3 groups x 3 ratios at batch 8"), text);
        assertTrue(text.contains("latency table: dense ") && text.contains("predicted "), text);
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertTrue(j.path("predicted_ms").isNumber() && j.path("target_ms").isNumber(), j.toString());
        try (ScriptModel m = ScriptModel.load(out)) {
            assertTrue(m.parameterCount() <= 9994);
        }
    }

    @Test
    void budgetWithDataChoosesRatiosBySensitivity() throws Exception {
        Path in = GraphModels.file("depthwise", ".pt");
        Path data = GraphModels.file("depthwise", ".data.pt");
        Path out = dir.resolve("d.budget.pt");
        Path json = dir.resolve("b.json");
        String text = run(0, "--in", in.toString(), "--out", out.toString(), "--method", "channel", "--budget", "0.6",
                "--data", data.toString(), "--ratios", "0.25,0.5,0.75", "--runs", "1", "--json", json.toString());
        assertTrue(text.contains("sensitivity: ce loss on ") && text.contains("x ratios [0.25, 0.5, 0.75]"), text);
        assertTrue(text.contains("greedy: ratios {") && text.contains("uniform "), text);
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        JsonNode greedy = j.path("sensitivity").path("greedy");
        assertEquals("greedy", greedy.path("how").asText(), j.toString());
        assertTrue(greedy.path("budget_met").asBoolean(), j.toString());
        long before = j.path("params_before").asLong();
        try (ScriptModel m = ScriptModel.load(out)) {
            assertTrue(m.parameterCount() <= 0.6 * before, m.parameterCount() + " of " + before);
            assertEquals(m.parameterCount(), j.path("params_after").asLong(), j.toString());
        }
        // --budget needs targets to measure a loss; --ratios only with --budget
        run(2, "--in", in.toString(), "--out", dir.resolve("x.pt").toString(), "--method", "channel", "--budget", "0.6",
                "--shape", "3,32,32");
        run(2, "--in", in.toString(), "--out", dir.resolve("x.pt").toString(), "--method", "channel", "--amount", "0.5",
                "--data", data.toString(), "--ratios", "0.5");
        run(2, "--in", in.toString(), "--out", dir.resolve("x.pt").toString(), "--method", "channel", "--budget", "1",
                "--data", data.toString());
    }

    @Test
    void refusesWithoutAnExampleInputOrWithAnUnknownImportance() {
        Path in = GraphModels.file("resnet", ".pt");
        String out = dir.resolve("x.pt").toString();
        assertEquals(2, Main.run(new String[] {"prune", "--in", in.toString(), "--out", out, "--method", "channel"}));
        assertEquals(2, Main.run(new String[] {"prune", "--in", in.toString(), "--out", out, "--method", "channel",
                "--shape", "3,16,16", "--importance", "l7"}));
    }
}
