package dev.torchslim.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.OutputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random points of repeated saves: the output is always absent or one complete
 * version, and the next run's output check removes the dead process's temporary file.
 */
class KilledSaveTest {
    static final int KILLS = 12;

    @TempDir
    Path dir;

    @Test
    void killedSavesLeaveWholeFilesAndNoLitterAfterTheNextRun() throws Exception {
        Path out = dir.resolve("out.bin");
        Random random = new Random(5);
        int littered = 0;
        for (int k = 0; k < KILLS; k++) {
            Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m", "-cp", System.getProperty("java.class.path"), SaveLoop.class.getName(), out.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
            Thread.sleep(300 + random.nextInt(900));
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            if (Files.exists(out)) {
                assertWhole(out);
            }
            if (temporaries().size() > 0) {
                littered++;
            }
            OutputFiles.check(null, out, false);
            assertEquals(List.of(), temporaries(), "stale temporary file of a dead process left after the check");
        }
        System.out.println("killed saves: " + KILLS + " kills, " + littered + " left a temporary file, all removed");
    }

    private List<Path> temporaries() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    private static void assertWhole(Path out) throws IOException {
        byte[] b = Files.readAllBytes(out);
        assertEquals(SaveLoop.SIZE, b.length, "a partial file at the output");
        for (byte x : b) {
            if (x != b[0]) {
                throw new AssertionError("two versions mixed in one output file");
            }
        }
    }
}
