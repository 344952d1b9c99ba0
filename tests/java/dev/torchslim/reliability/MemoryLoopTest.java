package dev.torchslim.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 10,000 prune/unprune (or prune/restore, or two closed pruners, or a closed GradualPruner) cycles
 * on a small model, each inside a TensorScope or without one: resident memory stays within 10% of its value after
 * 2,000 warm-up cycles (see {@link #TOLERANCE}). Each kind
 * runs in its own JVM with nopointergc (a handle nobody frees is never freed, so a leak shows) and a
 * fixed pre-touched heap (so RSS moves only with native memory).
 */
class MemoryLoopTest {
    static final int WARM_UP = 2_000;
    static final int CYCLES = 10_000;
    /**
     * RSS after the cycles, and at any sample on the way, within +10% of its value after warm-up.
     * glibc's allocator alone moves a 400 MB RSS by +1.5% to +5.6% over these cycles (it grows the
     * heap by ~10 MB for a few thousand cycles and returns part of it later; runs alone on a quiet
     * machine end at +1.5% to +2.4%, runs inside the suite at up to +5.6%, and ±5% failed on such
     * peaks in sessions 3 and 5). A leak of one weight-sized tensor (64×32 floats, 8 KB) per cycle
     * would add 80 MB, +20%: still far outside.
     */
    static final double TOLERANCE = 0.10;

    @ParameterizedTest
    @ValueSource(strings = {"scope", "no-scope", "restore", "close", "gradual-close"})
    void residentMemoryStaysFlat(String kind) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms192m", "-Xmx192m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
                "-Dorg.bytedeco.javacpp.nopointergc=true", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                "-cp", System.getProperty("java.class.path"), MemoryLoop.class.getName(), kind,
                Integer.toString(WARM_UP), Integer.toString(CYCLES)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        long first = -1;
        long min = Long.MAX_VALUE;
        long max = 0;
        long last = 0;
        double seconds = 0;
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f[0].equals("rss")) {
                long kb = Long.parseLong(f[2]);
                first = first < 0 ? kb : first;
                min = Math.min(min, kb);
                max = Math.max(max, kb);
                last = kb;
            } else if (f[0].equals("seconds")) {
                seconds = Double.parseDouble(f[1]);
            }
        }
        assertTrue(first > 0, out);
        String figures = String.format("%s: %d cycles in %.1f s, RSS %d -> %d KB (min %d, max %d; %+.2f%%, %+.1f KB"
                + " per 1,000 cycles)", kind, CYCLES, seconds, first, last, min, max, 100.0 * (last - first) / first,
                1000.0 * (last - first) / CYCLES);
        System.out.println("memory loop " + figures);
        assertTrue(max <= first * (1 + TOLERANCE) && min >= first * (1 - TOLERANCE), figures);
    }
}
