package dev.torchslim.examples.report;

import dev.torchslim.report.RunEnvironment;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageTableTest {
    private static StageTable table() {
        StageTable t = new StageTable();
        t.add(new StageResult("baseline", 0.8512, 21840, 21840, 101719, 1.25));
        t.add(new StageResult("pruned \"50%\"", 0.85, 21840, 10920, 50000, 0.5));
        return t;
    }

    @Test
    void writesTheDemoJsonWithItsEnvironmentAtomically(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("sub/demo.json");
        table().writeJson(out, RunEnvironment.current(7L));
        JsonNode root = new ObjectMapper().readTree(Files.readString(out));
        JsonNode env = root.get("environment");
        assertEquals(7, env.get("seed").asLong());
        assertEquals("2.13.0", env.get("libtorch_version").asText());
        assertTrue(env.get("torchslim_version").asText().startsWith("0."), env.toString());
        assertTrue(env.get("torch_threads").asInt() >= 1, env.toString());
        JsonNode first = root.get("stages").get(0);
        assertEquals("baseline", first.get("name").asText());
        assertEquals(0.8512, first.get("accuracy").asDouble());
        assertEquals(101719, first.get("size_bytes").asLong());
        assertEquals(1.25, first.get("latency_ms").asDouble());
        assertEquals("pruned \"50%\"", root.get("stages").get(1).get("name").asText());
        try (var files = Files.list(out.getParent())) {
            assertEquals(1, files.count(), "a temporary file was left behind");
        }
    }

    @Test
    void closingSummaryComparesEachStageWithTheBaseline() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        table().printSummary(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("Summary against baseline"), text);
        assertTrue(text.matches("(?s).*pruned \"50%\"\\s+-0\\.12\\s+2\\.03x\\s+2\\.50x.*"), text);
    }

    @Test
    void plotsArePngFilesAndNothingElseIsLeft(@TempDir Path dir) throws IOException {
        Plots.accuracyVsSize(table(), dir.resolve("a.png"));
        Plots.accuracyVsLatency(table(), dir.resolve("b.png"));
        Plots.bars("sparsity", "%", List.of("fc1", "fc2"), List.of(50.0, 10.0), dir.resolve("c.png"));
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G'};
        for (String f : List.of("a.png", "b.png", "c.png")) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(dir.resolve(f)), 4);
            assertArrayEquals(magic, head, f + " is not a PNG");
            assertTrue(Files.size(dir.resolve(f)) > 5000, f + " is too small to hold a chart");
        }
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "temporary files were left behind");
        }
    }
}
