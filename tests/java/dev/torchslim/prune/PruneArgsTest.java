package dev.torchslim.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PruneArgsTest {
    @Test
    void parsesEveryOption() {
        PruneArgs a = PruneArgs.parse(new String[] {"--in", "m.pt", "--out", "p.pt", "--method", "ln", "--amount", "0.25",
                "--n", "inf", "--dim", "1", "--nm", "1:8", "--seed", "5"});
        assertEquals(Path.of("m.pt"), a.in());
        assertEquals(Path.of("p.pt"), a.out());
        assertEquals(new TorchScriptPruner.Options("ln", 0.25, Double.POSITIVE_INFINITY, 1, 1, 8, 5), a.options());
        PruneArgs nm = PruneArgs.parse(new String[] {"--in", "m.pt", "--out", "p.pt", "--method", "nm", "--nm", "2:4"});
        assertEquals(2, nm.options().nmN());
        assertEquals(4, nm.options().nmM());
    }

    @Test
    void saysWhatIsWrong() {
        String[][] bad = {
            {"--in", "m.pt", "--out", "p.pt", "--method", "l1"},
            {"--in", "m.pt", "--method", "l1", "--amount", "0.5"},
            {"--in", "m.pt", "--out", "p.pt", "--method", "l7", "--amount", "0.5"},
            {"--in", "m.pt", "--out", "p.pt", "--method", "l1", "--amount", "2"},
            {"--in", "m.pt", "--out", "p.pt", "--method", "l1", "--amount", "half"},
            {"--in", "m.pt", "--out", "p.pt", "--method", "nm", "--nm", "4:2"},
            {"--in", "m.pt", "--out", "p.pt", "--method", "l1", "--amount", "0.5", "--bogus", "1"},
            {"--in"},
        };
        for (String[] args : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PruneArgs.parse(args),
                    String.join(" ", args));
            assertTrue(e.getMessage().length() > 10, e.getMessage());
        }
    }
}
