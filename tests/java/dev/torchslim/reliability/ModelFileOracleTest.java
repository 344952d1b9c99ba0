package dev.torchslim.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.torchslim.cli.Main;
import dev.torchslim.core.ModelFileException;
import dev.torchslim.core.ModelFiles;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.oracle.PythonOracle;
import dev.torchslim.prune.TorchScriptPruner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real files from Python torch 2.13: each kind named, and TorchScript files fuzzed. */
@Tag("oracle")
class ModelFileOracleTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void makeFiles() {
        String made = PythonOracle.run("model_files.py", dir.toString()).trim();
        assertTrue(made.startsWith("made scripted.pt"), made);
    }

    static String says(Path file) {
        return assertThrows(ModelFileException.class, () -> ModelFiles.requireTorchScript(file)).getMessage();
    }

    @Test
    void eachKindOfFileIsNamed() {
        ModelFiles.requireTorchScript(dir.resolve("scripted.pt"));
        ModelFiles.requireTorchScript(dir.resolve("traced.pt"));
        assertTrue(says(dir.resolve("state_dict.pt")).contains("state_dict or pickled module saved with torch.save"));
        assertTrue(says(dir.resolve("module.pt")).contains("state_dict or pickled module saved with torch.save"));
        assertTrue(says(dir.resolve("legacy.pt")).contains("a pickled object (torch.save), not TorchScript"));
        String ep = says(dir.resolve("exported.pt2"));
        assertTrue(ep.contains("an ExportedProgram (torch.export)"), ep);
    }

    @Test
    void pruneOnABadFileNamesItAndWritesNothing() {
        for (String name : new String[] {"state_dict.pt", "legacy.pt", "exported.pt2"}) {
            Path out = dir.resolve("out-" + name);
            String[] err = new String[1];
            int rc = runCapturingErr(err, "prune", "--in", dir.resolve(name).toString(), "--out", out.toString(),
                    "--method", "l1", "--amount", "0.5");
            assertEquals(1, rc, err[0]);
            assertTrue(err[0].contains(dir.resolve(name).toString()) && !err[0].contains("miniz"), err[0]);
            assertTrue(Files.notExists(out));
        }
    }

    /**
     * Every truncation on a grid and 300 seeded runs of 1-3 random byte flips: each is either
     * refused with ModelFileException, or loads and prunes, or fails in LibTorch as a
     * TorchSlimException. Nothing else, no crash, no temporary file left.
     */
    @Test
    void truncationsAndByteFlipsGiveTypedErrors() throws IOException {
        NativeLibrary.ensureLoaded();
        byte[] good = Files.readAllBytes(dir.resolve("scripted.pt"));
        Path fuzz = Files.createDirectories(dir.resolve("fuzz"));
        Path in = fuzz.resolve("in.pt");
        Path out = fuzz.resolve("out.pt");
        TreeMap<String, Integer> outcomes = new TreeMap<>();
        int step = Math.max(1, good.length / 400);
        int cases = 0;
        for (int n = 0; n < good.length; n += (good.length - n <= 64 ? 1 : step)) {
            Files.write(in, Arrays.copyOf(good, n));
            String outcome = attempt(in, out);
            assertEquals("refused", outcome, "a file truncated to " + n + " of " + good.length + " bytes");
            outcomes.merge("truncated: " + outcome, 1, Integer::sum);
            cases++;
        }
        Random random = new Random(11);
        for (int k = 0; k < 300; k++) {
            byte[] b = good.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
            }
            Files.write(in, b);
            outcomes.merge("flipped: " + attempt(in, out), 1, Integer::sum);
            cases++;
        }
        System.out.println("model file fuzz: " + cases + " cases over " + good.length + " bytes: " + outcomes);
        try (Stream<Path> left = Files.list(fuzz)) {
            assertEquals(0, left.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "temporary files left");
        }
    }

    private static String attempt(Path in, Path out) {
        try {
            ModelFiles.requireTorchScript(in);
        } catch (ModelFileException e) {
            assertTrue(e.getMessage().contains(in.toString()), e.getMessage());
            return "refused";
        }
        try {
            TorchScriptPruner.prune(in, out, TorchScriptPruner.Options.of("l1", 0.5));
            return "pruned";
        } catch (TorchSlimException e) {
            return "LibTorch error";
        } catch (RuntimeException e) {
            fail("untyped failure on a damaged file: " + e, e);
            return "untyped";
        }
    }

    private static int runCapturingErr(String[] err, String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true));
            return Main.run(args);
        } finally {
            System.setErr(old);
            err[0] = captured.toString();
        }
    }
}
