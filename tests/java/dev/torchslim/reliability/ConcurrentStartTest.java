package dev.torchslim.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several JVMs starting at once on an empty JavaCPP cache: each extracts LibTorch there. Without
 * TorchSlim's load lock one of them maps libtorch_cpu.so while another is still writing it (SIGBUS).
 */
class ConcurrentStartTest {
    static final int JVMS = 3;

    @TempDir
    Path dir;

    @Test
    void threeJvmsOnAColdCacheAllStart() throws Exception {
        Path cache = dir.resolve("javacpp-cache");
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int i = 0; i < JVMS; i++) {
            Path log = dir.resolve("jvm" + i + ".log");
            logs.add(log);
            processes.add(new ProcessBuilder(javaCommand(cache, LoadProbe.class.getName()))
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start());
        }
        StringBuilder report = new StringBuilder();
        int ok = 0;
        for (int i = 0; i < JVMS; i++) {
            Process p = processes.get(i);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            String out = Files.readString(logs.get(i), StandardCharsets.UTF_8);
            if (p.exitValue() == 0 && out.contains("parameters 15")) {
                ok++;
            } else {
                report.append("JVM ").append(i).append(" exit ").append(p.exitValue()).append(":\n").append(tail(out));
            }
        }
        try (Stream<Path> crashes = Files.list(dir)) {
            assertEquals(List.of(), crashes.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList(),
                    "JVM crash logs");
        }
        assertEquals(JVMS, ok, report.toString());
        assertTrue(Files.exists(cache.resolve(".torchslim-load.lock")), "the load lock was not used");
        deleteTree(cache); // hundreds of MB
    }

    static List<String> javaCommand(Path cache, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
        cmd.add("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0");
        cmd.add("-XX:ErrorFile=" + cache.getParent().resolve("hs_err_pid%p.log"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String tail(String s) {
        return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
