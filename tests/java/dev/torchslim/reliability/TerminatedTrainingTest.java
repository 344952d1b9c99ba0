package dev.torchslim.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.oracle.GraphModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (what Ctrl-C, {@code kill} and container stops send) while a model trains: the JVM
 * exits with the signal's status 143, not with SIGSEGV and an {@code hs_err} file. Before
 * {@code ExitGuard}, the JVM's exit destroyed LibTorch's statics under a running
 * {@code backward()} and about one kill in four crashed (at::accelerator::getAccelerator).
 */
@Tag("oracle")
class TerminatedTrainingTest {
    static final int KILLS = 4;

    @TempDir
    Path dir;

    @Test
    void sigtermDuringTrainingExitsWith143AndNoCrash() throws Exception {
        Path model = GraphModels.file("resnet", ".pt").toAbsolutePath();
        Path data = GraphModels.file("resnet", ".data.pt").toAbsolutePath();
        Random random = new Random(11);
        for (int k = 0; k < KILLS; k++) {
            Path logFile = dir.resolve("log" + k + ".txt");
            Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", System.getProperty("java.class.path"),
                    TrainLoop.class.getName(), model.toString(), data.toString())
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (p.isAlive() && !Files.readString(logFile).contains("training\n") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(p.isAlive(), "the training JVM stopped before training:\n" + Files.readString(logFile));
            Thread.sleep(300 + random.nextInt(1500)); // inside some step: forward, backward or Adam
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running 60 s after SIGTERM");
            String out = Files.readString(logFile);
            assertFalse(out.contains("A fatal error has been detected"), "the JVM crashed on SIGTERM:\n" + out);
            assertEquals(143, p.exitValue(), "exit status after SIGTERM:\n" + out);
            assertEquals(List.of(), crashLogs(), "hs_err file written on SIGTERM");
        }
    }

    private List<Path> crashLogs() throws java.io.IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList();
        }
    }
}
