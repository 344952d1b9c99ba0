package dev.torchslim.distributed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the ranks of a data-parallel job as local JVMs, as torchrun does on one host: the same
 * Java, JVM options and classpath as this process, RANK / LOCAL_RANK / WORLD_SIZE /
 * MASTER_ADDR=127.0.0.1 / MASTER_PORT (a free port unless MASTER_PORT is set) in each one's
 * environment, and OMP_NUM_THREADS = cores / ranks unless set. Each line a rank prints is relayed
 * prefixed by "[rank N] ". When a rank fails, the others get {@code grace} to fail by themselves
 * (they see the dead peer) and are then killed; the launcher never hangs on a dead job. Its own
 * messages (a rank failed, a rank is killed) are SLF4J warnings.
 */
public final class LocalLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(LocalLauncher.class);

    private LocalLauncher() {}

    /**
     * Starts {@code nproc} ranks of {@code mainClass} and waits for all of them to exit.
     *
     * @param nproc the number of ranks, at least 1
     * @param mainClass the class whose {@code main} every rank runs
     * @param args the arguments of every rank's {@code main}
     * @param grace how long the other ranks may run after one fails before they are killed
     * @param out where the ranks' prefixed output goes (the launcher's own messages are logged)
     * @return the exit status: 0 when every rank exits 0, otherwise the first failing rank's (non-zero)
     * @throws IOException if a rank cannot be started or no free port is found
     * @throws InterruptedException if this thread is interrupted while waiting (the ranks are killed)
     */
    public static int run(int nproc, String mainClass, List<String> args, Duration grace, PrintStream out)
            throws IOException, InterruptedException {
        if (nproc < 1) {
            throw new IllegalArgumentException("--nproc must be >= 1, got " + nproc);
        }
        Map<String, String> parentEnv = System.getenv();
        int port = parentEnv.containsKey("MASTER_PORT") ? Integer.parseInt(parentEnv.get("MASTER_PORT").strip()) : freePort();
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-javaagent") && !a.startsWith("-XX:Flight")) {
                command.add(a);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / nproc);
        List<Process> procs = new ArrayList<>();
        List<Thread> relays = new ArrayList<>();
        Thread killer = new Thread(() -> procs.forEach(Process::destroyForcibly));
        Runtime.getRuntime().addShutdownHook(killer);
        try {
            for (int r = 0; r < nproc; r++) {
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
                Map<String, String> env = pb.environment();
                env.put("RANK", Integer.toString(r));
                env.put("LOCAL_RANK", Integer.toString(r));
                env.put("WORLD_SIZE", Integer.toString(nproc));
                env.put("LOCAL_WORLD_SIZE", Integer.toString(nproc));
                env.put("MASTER_ADDR", "127.0.0.1");
                env.put("MASTER_PORT", Integer.toString(port));
                env.putIfAbsent("OMP_NUM_THREADS", Integer.toString(threads));
                Process p = pb.start();
                procs.add(p);
                relays.add(relay(p, "[rank " + r + "] ", out));
            }
            int status = waitAll(procs, grace);
            for (Thread t : relays) {
                t.join(5_000);
            }
            return status;
        } finally {
            procs.forEach(Process::destroyForcibly);
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private static int waitAll(List<Process> procs, Duration grace) throws InterruptedException {
        int failedRank = -1;
        int failedStatus = 0;
        long killAt = Long.MAX_VALUE;
        while (true) {
            boolean running = false;
            for (int r = 0; r < procs.size(); r++) {
                Process p = procs.get(r);
                if (p.isAlive()) {
                    running = true;
                } else if (p.exitValue() != 0 && failedRank < 0) {
                    failedRank = r;
                    failedStatus = p.exitValue();
                    killAt = System.nanoTime() + grace.toNanos();
                    LOG.warn("rank {} exited with status {}; stopping the other ranks", r, failedStatus);
                }
            }
            if (!running) {
                break;
            }
            if (System.nanoTime() > killAt) {
                for (int r = 0; r < procs.size(); r++) {
                    if (procs.get(r).isAlive()) {
                        LOG.warn("killing rank {} ({} s after rank {} failed)", r, grace.toSeconds(), failedRank);
                        procs.get(r).destroyForcibly();
                    }
                }
                for (Process p : procs) {
                    p.waitFor(10, TimeUnit.SECONDS);
                }
                break;
            }
            procs.get(0).waitFor(100, TimeUnit.MILLISECONDS);
        }
        return failedRank < 0 ? 0 : failedStatus;
    }

    private static Thread relay(Process p, String prefix, PrintStream out) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (out) {
                        out.println(prefix + line);
                    }
                }
            } catch (IOException ignored) {
                // the rank was killed: its pipe closed
            }
        }, "relay " + prefix.strip());
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A TCP port free on the loopback interface now (the store binds it a moment later). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
