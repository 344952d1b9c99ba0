package dev.torchslim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageTableTest {
    @Test
    void writesTheDemoJsonShapeAtomically(@TempDir Path dir) throws IOException {
        StageTable t = new StageTable();
        t.add(new StageResult("baseline", 0.8512, 21840, 21840, 101719, 1.25));
        t.add(new StageResult("pruned \"50%\"", 0.85, 21840, 10920, 101719, 1.2));
        Path out = dir.resolve("sub/demo.json");
        t.writeJson(out);
        String json = Files.readString(out);
        assertTrue(json.startsWith("{\"stages\":[{\"name\":\"baseline\",\"accuracy\":0.851200,\"params\":21840,"
                + "\"nonzero_params\":21840,\"size_bytes\":101719,\"latency_ms\":1.250000}"), json);
        assertTrue(json.contains("\"name\":\"pruned \\\"50%\\\"\""), json);
        try (var files = Files.list(out.getParent())) {
            assertEquals(1, files.count(), "a temporary file was left behind");
        }
    }
}
