package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.oracle.PythonOracle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./torchslim prune end to end on a file Python saved; Python checks the result. */
@Tag("oracle")
class PruneCommandTest {
    @TempDir
    Path dir;

    @Test
    void prunesATorchScriptFileAndPrintsTheTable() {
        assertEquals("made", PythonOracle.run("prune_torchscript.py", "make", dir.toString()).trim());
        Path out = dir.resolve("pruned.pt");
        PrintStream old = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(captured, true));
            rc = Main.run(new String[] {"prune", "--in", dir.resolve("model.pt").toString(), "--out", out.toString(),
                "--method", "l1-global", "--amount", "0.5"});
        } finally {
            System.setOut(old);
        }
        String text = captured.toString();
        assertEquals(0, rc, text);
        assertTrue(text.contains("fc1") && text.contains("sparsity") && text.contains("50.00%"), text);
        assertEquals("ok 0.5000", PythonOracle.run("prune_torchscript.py", "check", dir.toString(), out.toString(),
                "l1-global", "0.5").trim());
    }

    @Test
    void badArgumentsExitWithUsage() {
        assertEquals(2, Main.run(new String[] {"prune", "--in", "x.pt", "--method", "l1"}));
        assertEquals(1, Main.run(new String[] {"prune", "--in", dir.resolve("none.pt").toString(), "--out",
            dir.resolve("o.pt").toString(), "--method", "l1", "--amount", "0.5"}));
        assertFalse(Files.exists(dir.resolve("o.pt")));
    }
}
