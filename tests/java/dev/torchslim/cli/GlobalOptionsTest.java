package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.oracle.GraphModels;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --progress / --no-progress (bars on stderr only) and --verbose (the library's debug log on stderr). */
class GlobalOptionsTest {
    @TempDir
    Path dir;

    @Test
    @Tag("oracle")
    void progressBarsGoToStderrOnlyAndOnlyWhenAsked() {
        String in = GraphModels.file("resnet", ".pt").toString();
        String data = GraphModels.file("resnet", ".data.pt").toString();
        String[] common = {"--in", in, "--data", data, "--epochs", "1", "--batch", "32"};
        String[] with = concat(common, "--out", dir.resolve("a.pt").toString(), "--progress");
        String[] without = concat(common, "--out", dir.resolve("b.pt").toString(), "--no-progress");
        String[] bar = CliRun.runBoth("finetune", 0, with);
        String[] none = CliRun.runBoth("finetune", 0, without);
        assertTrue(bar[1].contains("train epoch 1/1"), "no bar on stderr: " + bar[1]);
        assertFalse(none[1].contains("train epoch"), "a bar with --no-progress: " + none[1]);
        // the default: bars only on a terminal; surefire's forked JVM has none (System.console() is null)
        assertEquals(null, System.console(), "this check needs a JVM without a console");
        String[] byDefault = CliRun.runBoth("finetune", 0, concat(common, "--out", dir.resolve("c.pt").toString()));
        assertFalse(byDefault[1].contains("train epoch"), "a bar without a terminal: " + byDefault[1]);
        assertFalse(bar[0].contains("train epoch"), "a bar on stdout: " + bar[0]);
        // the same results on stdout either way (output file names and the wall time aside)
        assertEquals(none[0].replace("b.pt", "X").replaceAll("took [0-9.]+ s", "took T"),
                bar[0].replace("a.pt", "X").replaceAll("took [0-9.]+ s", "took T"));
    }

    @Test
    void progressAndNoProgressTogetherAreAUsageError() {
        String err = CliRun.runErr("prune", 2, "--progress", "--no-progress");
        assertTrue(err.contains("--progress or --no-progress"), err);
    }

    @Test
    void verboseShowsTheLibrarysDebugLogOnStderr() throws Exception {
        String[] quiet = child("--version");
        String[] verbose = child("--verbose", "--version");
        assertTrue(verbose[1].contains("[DEBUG] NativeLibrary - loaded the natives"), verbose[1]);
        assertFalse(quiet[1].contains("DEBUG"), quiet[1]);
        assertEquals(quiet[0].lines().findFirst(), verbose[0].lines().findFirst());
        assertFalse(verbose[0].contains("DEBUG"), "log lines on stdout: " + verbose[0]);
    }

    /** Main in a fresh JVM (slf4j-simple reads its level once per JVM): {stdout, stderr}. */
    private String[] child(String... args) throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new java.util.ArrayList<>(List.of(javaBin.toString(),
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        File out = dir.resolve("out.txt").toFile();
        File err = dir.resolve("err.txt").toFile();
        Process p = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        String[] both = {java.nio.file.Files.readString(out.toPath(), StandardCharsets.UTF_8),
            java.nio.file.Files.readString(err.toPath(), StandardCharsets.UTF_8)};
        assertEquals(0, p.exitValue(), both[0] + both[1]);
        return both;
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
