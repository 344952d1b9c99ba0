package dev.torchslim.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.cli.Main;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.oracle.GraphModels;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRef;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes on loopback, through the CLI: 2 ranks ({@code -Dtorchslim.test.ranks=N} for N) fine-tune a pruned transformer layer and
 * distil it from the dense one, and end with the weights of one process on the same global
 * batches; a rank killed with SIGKILL makes the other exit with an error and no output.
 */
@Tag("oracle")
class DataParallelProcessTest {
    @TempDir
    static Path dir;
    static Path pruned;
    /** Ranks of the equality tests: 2 in CI; {@code -Dtorchslim.test.ranks=4} reruns them with 4. */
    static final int RANKS = Integer.getInteger("torchslim.test.ranks", 2);

    @BeforeAll
    static void prune() {
        pruned = dir.resolve("pruned.pt");
        assertEquals(0, Main.run(new String[] {"prune", "--in", GraphModels.file("transformer", ".pt").toString(),
                "--out", pruned.toString(), "--method", "l1", "--amount", "0.5"}));
    }

    /** Runs the CLI in this JVM, returning what it printed (a --nproc run relays its ranks' lines). */
    private static String cli(String... argv) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.run(argv);
        } finally {
            System.setOut(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        saved.print(out);
        assertEquals(0, status, "torchslim " + String.join(" ", argv) + " failed:\n" + out);
        return out;
    }

    /**
     * ||a - b|| / ||a|| of every parameter below tol; zeros of the pruned model still zero in both.
     * Except the key third of attention's in_proj_bias: its gradient is zero in exact arithmetic
     * (softmax ignores a shift shared by all keys), so Adam (g / (sqrt(v) + 1e-8)) turns rounding
     * noise into steps; one process with 1 or 2 threads differs there by ~1e-3 as well.
     */
    private static void assertSameWeights(Path single, Path parallel, double tol, boolean masks) {
        try (ScriptModel a = ScriptModel.load(single); ScriptModel b = ScriptModel.load(parallel);
             ScriptModel p = ScriptModel.load(pruned)) {
            List<Tensor> pa = a.parameters();
            List<Tensor> pb = b.parameters();
            List<Tensor> pp = p.parameters();
            List<ScriptModel.ParameterInfo> names = a.parameterInfo();
            assertEquals(pa.size(), pb.size());
            double worst = 0;
            String worstName = "";
            for (int i = 0; i < pa.size(); i++) {
                Tensor x = pa.get(i);
                Tensor y = pb.get(i);
                if (names.get(i).name().endsWith("in_proj_bias")) {
                    long e = x.size(0) / 3;  // [query, key, value] biases
                    System.out.println("key bias (zero gradient in exact arithmetic): |difference| "
                            + x.narrow(0, e, e).sub(y.narrow(0, e, e)).norm().item_double() + ", |bias| "
                            + x.narrow(0, e, e).norm().item_double());
                    x = torch.cat(new TensorArrayRef(new TensorVector(x.narrow(0, 0, e), x.narrow(0, 2 * e, e))), 0);
                    y = torch.cat(new TensorArrayRef(new TensorVector(y.narrow(0, 0, e), y.narrow(0, 2 * e, e))), 0);
                }
                double norm = x.norm().item_double();
                double diff = x.sub(y).norm().item_double();
                if (diff / Math.max(norm, 1e-12) > worst) {
                    worst = diff / Math.max(norm, 1e-12);
                    worstName = names.get(i).name();
                }
                if (masks) {
                    Tensor zero = pp.get(i).eq(new Scalar(0.0));
                    assertEquals(zero.sum().item_long(), pa.get(i).eq(new Scalar(0.0)).logical_and(zero).sum().item_long());
                    assertEquals(zero.sum().item_long(), pb.get(i).eq(new Scalar(0.0)).logical_and(zero).sum().item_long(),
                            "a pruned weight of parameter " + i + " revived on " + RANKS + " ranks");
                }
            }
            assertTrue(worst < tol, RANKS + " ranks differ from 1 process by " + worst + " (relative) in " + worstName);
            System.out.println("largest relative difference, " + RANKS + " ranks vs 1 process: " + worst + " (" + worstName + ")");
            double moved = 0;
            for (int i = 0; i < pa.size(); i++) {
                moved += pa.get(i).sub(pp.get(i)).abs().sum().item_double();
            }
            assertTrue(moved > 0, "training changed nothing");
        }
    }

    @Test
    void twoRanksFineTuneAsOneProcessOnTheSameGlobalBatches() {
        Path data = GraphModels.file("transformer", ".data.pt");
        Path single = dir.resolve("ft-single.pt");
        Path parallel = dir.resolve("ft-" + RANKS + ".pt");
        // 64 rows in global batches of 15: shards of 8 and 7 rows, and a last batch of 4 (2 + 2).
        List<String> common = List.of("finetune", "--in", pruned.toString(), "--data", data.toString(), "--epochs", "2",
                "--batch", "15", "--lr", "1e-3", "--seed", "7");
        List<String> one = new ArrayList<>(common);
        one.addAll(List.of("--out", single.toString()));
        cli(one.toArray(new String[0]));
        List<String> two = new ArrayList<>(common);
        two.addAll(List.of("--out", parallel.toString(), "--nproc", Integer.toString(RANKS)));
        String out = cli(two.toArray(new String[0]));
        assertTrue(out.contains("[rank 1] rank 1 of " + RANKS + " joined through 127.0.0.1:"), out);
        assertTrue(out.contains("[rank 0] finetune:"), out);
        assertSameWeights(single, parallel, 1e-4, true);
    }

    @Test
    void twoRanksDistilAsOneProcessOnTheSameGlobalBatches() {
        Path data = GraphModels.file("transformer", ".data.pt");
        Path single = dir.resolve("kd-single.pt");
        Path parallel = dir.resolve("kd-" + RANKS + ".pt");
        List<String> common = List.of("distill", "--teacher", GraphModels.file("transformer", ".pt").toString(),
                "--student", pruned.toString(), "--data", data.toString(), "--temperature", "2", "--alpha", "0.5",
                "--epochs", "2", "--batch", "16", "--lr", "1e-3", "--seed", "3");
        List<String> one = new ArrayList<>(common);
        one.addAll(List.of("--out", single.toString()));
        cli(one.toArray(new String[0]));
        List<String> two = new ArrayList<>(common);
        two.addAll(List.of("--out", parallel.toString(), "--nproc", Integer.toString(RANKS)));
        cli(two.toArray(new String[0]));
        assertSameWeights(single, parallel, 1e-4, false);
    }

    @Test
    void aKilledRankMakesTheOtherExitWithAnErrorAndNoOutput() throws Exception {
        Path data = GraphModels.file("transformer", ".data.pt");
        Path out = dir.resolve("never.pt");
        int port = LocalLauncher.freePort();
        List<Process> ranks = new ArrayList<>();
        List<StringBuffer> logs = new ArrayList<>();
        CountDownLatch joined = new CountDownLatch(2);
        for (int r = 0; r < 2; r++) {
            ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "finetune", "--in", pruned.toString(), "--out", out.toString(), "--data",
                    data.toString(), "--epochs", "10000", "--batch", "8", "--dist-timeout", "20").redirectErrorStream(true);
            pb.environment().put("RANK", Integer.toString(r));
            pb.environment().put("WORLD_SIZE", "2");
            pb.environment().put("MASTER_ADDR", "127.0.0.1");
            pb.environment().put("MASTER_PORT", Integer.toString(port));
            pb.environment().put("OMP_NUM_THREADS", "1");
            Process p = pb.start();
            StringBuffer log = new StringBuffer();
            Thread t = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        log.append(line).append('\n');
                        if (line.contains(" joined through ")) {
                            joined.countDown();
                        }
                    }
                } catch (java.io.IOException ignored) {
                    // killed
                }
            });
            t.setDaemon(true);
            t.start();
            ranks.add(p);
            logs.add(log);
        }
        try {
            assertTrue(joined.await(90, TimeUnit.SECONDS), "ranks did not join:\n" + logs);
            Thread.sleep(1500);  // both are training now
            assertTrue(ranks.get(0).isAlive() && ranks.get(1).isAlive(), "a rank stopped early:\n" + logs);
            long t0 = System.nanoTime();
            ranks.get(1).destroyForcibly();  // SIGKILL
            assertTrue(ranks.get(0).waitFor(40, TimeUnit.SECONDS), "rank 0 still running 40 s after rank 1 was killed");
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertNotEquals(0, ranks.get(0).exitValue());
            String log0 = logs.get(0).toString();
            assertTrue(log0.contains("rank 0 of 2") && log0.contains("failed"), log0);
            System.out.printf("rank 0 exited %.1f s after rank 1 was killed: %s%n", seconds,
                    log0.lines().filter(l -> l.startsWith("torchslim finetune:")).findFirst().orElse("?"));
            assertTrue(Files.notExists(out), "an output was written");
            try (Stream<Path> files = Files.list(dir)) {
                assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "a temporary file was left");
            }
        } finally {
            ranks.forEach(Process::destroyForcibly);
        }
    }
}
