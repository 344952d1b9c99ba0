package dev.torchslim.reliability;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import dev.torchslim.prune.EasyPrune;
import dev.torchslim.prune.GradualPruner;
import dev.torchslim.prune.PruningStrategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.ReLUImpl;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.global.torch;

/**
 * A JVM that runs warm-up + N prune cycles of one kind on a small model and prints its resident
 * memory every 500 cycles: "rss CYCLE KB". Run with a fixed, pre-touched heap so that RSS moves
 * only with native memory.
 */
public final class MemoryLoop {
    private MemoryLoop() {}

    public static void main(String[] args) throws IOException {
        String kind = args[0];
        int warmUp = Integer.parseInt(args[1]);
        int cycles = Integer.parseInt(args[2]);
        NativeLibrary.ensureLoaded();
        torch.manual_seed(0);
        SequentialImpl model = new SequentialImpl();
        model.push_back("fc1", new LinearImpl(64, 32));
        model.push_back("relu", new ReLUImpl());
        model.push_back("fc2", new LinearImpl(32, 10));
        Runnable cycle = switch (kind) {
            case "scope" -> () -> {
                try (TensorScope scope = new TensorScope()) {
                    new EasyPrune(model, 0.5).prune().unprune();
                }
            };
            case "no-scope" -> () -> new EasyPrune(model, 0.5).prune().unprune();
            case "restore" -> () -> new EasyPrune(model, 0.5).prune().restore();
            // Closed pruners: nothing they held outlives them (two pruners, restored in reverse order).
            case "close" -> () -> {
                try (EasyPrune a = new EasyPrune(model, 0.5).prune();
                        EasyPrune b = new EasyPrune(model, 0.3).prune()) {
                    b.restore();
                    a.restore();
                }
            };
            case "gradual-close" -> () -> {
                try (GradualPruner g = new GradualPruner(model, PruningStrategy.l1(), 0, 0.5, 0, 1, 1)) {
                    g.step();
                    g.step();
                }
            };
            default -> throw new IllegalArgumentException(
                    "kind: scope, no-scope, restore, close or gradual-close; got " + kind);
        };
        for (int i = 0; i < warmUp; i++) {
            cycle.run();
        }
        System.out.println("rss 0 " + rssKb());
        long t0 = System.nanoTime();
        for (int i = 1; i <= cycles; i++) {
            cycle.run();
            if (i % 500 == 0) {
                System.out.println("rss " + i + " " + rssKb());
            }
        }
        System.out.printf("seconds %.2f%n", (System.nanoTime() - t0) / 1e9);
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
