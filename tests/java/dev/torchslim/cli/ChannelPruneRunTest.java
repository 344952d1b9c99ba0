package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        String j = Files.readString(json);
        assertTrue(j.contains("\"params_before\":9994") && j.contains("\"batch\":4"), j);
        try (ScriptModel m = ScriptModel.load(out)) {
            assertTrue(m.parameterCount() < 9994);
        }
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
        String j = Files.readString(json);
        assertTrue(j.contains("\"predicted_ms\":") && j.contains("\"target_ms\":"), j);
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
        String j = Files.readString(json);
        assertTrue(j.contains("\"sensitivity\":{") && j.contains("\"greedy\":{\"how\":\"greedy\",\"budget_met\":true"), j);
        long before = Long.parseLong(j.replaceAll("(?s).*\"params_before\":(\\d+).*", "$1"));
        try (ScriptModel m = ScriptModel.load(out)) {
            assertTrue(m.parameterCount() <= 0.6 * before, m.parameterCount() + " of " + before);
            assertTrue(j.contains("\"params_after\":" + m.parameterCount()), j);
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
