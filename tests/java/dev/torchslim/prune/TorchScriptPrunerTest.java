package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TorchSlimException;
import dev.torchslim.oracle.PythonOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prunes a model saved by Python's torch.jit.save; Python loads the result and checks it. */
@Tag("oracle")
class TorchScriptPrunerTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void makeModel() {
        assertEquals("made", PythonOracle.run("prune_torchscript.py", "make", dir.toString()).trim());
    }

    String pruneAndCheck(TorchScriptPruner.Options o, String... extra) {
        Path out = dir.resolve(o.method() + ".pt");
        String table = TorchScriptPruner.prune(dir.resolve("model.pt"), out, o);
        assertTrue(table.contains("features.0") && table.contains("fc1") && table.contains("total"), table);
        assertFalse(Files.exists(dir.resolve(o.method() + ".pt.tmp")), "temp file left behind");
        String[] args = new String[5 + extra.length];
        args[0] = "check";
        args[1] = dir.toString();
        args[2] = out.toString();
        args[3] = o.method();
        args[4] = Double.toString(o.amount());
        System.arraycopy(extra, 0, args, 5, extra.length);
        String verdict = PythonOracle.run("prune_torchscript.py", args).trim();
        assertTrue(verdict.startsWith("ok "), verdict);
        return verdict;
    }

    @Test
    void l1PerLayerEqualsTorchPrune() {
        assertEquals("ok 0.5000", pruneAndCheck(TorchScriptPruner.Options.of("l1", 0.5)));
    }

    @Test
    void l1GlobalEqualsTorchPrune() {
        assertEquals("ok 0.7000", pruneAndCheck(TorchScriptPruner.Options.of("l1-global", 0.7)));
    }

    @Test
    void lnStructuredEqualsTorchPrune() {
        pruneAndCheck(new TorchScriptPruner.Options("ln", 0.5, 1.0, 1, 2, 4, 0), "1", "1");
    }

    @Test
    void randomAndNmOnlyZeroWeights() {
        assertEquals("ok 0.3000", pruneAndCheck(new TorchScriptPruner.Options("random", 0.3, 2, 0, 2, 4, 9)));
        String table = TorchScriptPruner.prune(dir.resolve("model.pt"), dir.resolve("nm.pt"),
                new TorchScriptPruner.Options("nm", 0, 2, 0, 2, 4, 0));
        assertTrue(table.contains("features.0.weight") && table.contains("nm: inputs not a multiple of M=4"),
                table); // conv with 1 input channel: left out, and the table says why
        assertTrue(PythonOracle.run("prune_torchscript.py", "check", dir.toString(), dir.resolve("nm.pt").toString(),
                "nm", "0").startsWith("ok "));
    }

    @Test
    void badInputsFailClearly() {
        assertThrows(IllegalArgumentException.class, () -> TorchScriptPruner.Options.of("l3", 0.5));
        assertThrows(IllegalArgumentException.class,
                () -> TorchScriptPruner.prune(dir.resolve("missing.pt"), dir.resolve("x.pt"), TorchScriptPruner.Options.of("l1", 0.5)));
        Path garbage = dir.resolve("garbage.pt");
        try {
            Files.writeString(garbage, "not a zip");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        TorchSlimException e = assertThrows(TorchSlimException.class,
                () -> TorchScriptPruner.prune(garbage, dir.resolve("y.pt"), TorchScriptPruner.Options.of("l1", 0.5)));
        assertFalse(Files.exists(dir.resolve("y.pt")), "no half-written output");
        assertFalse(e.getMessage().contains("Exception raised from"), e.getMessage());
    }
}
