package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {
    @Test
    void parsesValuesAndSwitches() {
        Args a = Args.parse(new String[] {"--epochs", "2", "--json=x.json", "--retrain"}, Set.of("epochs", "json"),
                Set.of("retrain"));
        assertEquals(2, a.intValue("epochs", 3, 1, 10));
        assertEquals("x.json", a.get("json", null));
        assertTrue(a.flag("retrain"));
    }

    @Test
    void rejectsUnknownMissingAndOutOfRange() {
        Set<String> v = Set.of("epochs");
        assertThrows(UsageException.class, () -> Args.parse(new String[] {"--bogus"}, v, Set.of()));
        assertThrows(UsageException.class, () -> Args.parse(new String[] {"--epochs"}, v, Set.of()));
        assertThrows(UsageException.class, () -> Args.parse(new String[] {"stray"}, v, Set.of()));
        UsageException e = assertThrows(UsageException.class,
                () -> Args.parse(new String[] {"--epochs", "0"}, v, Set.of()).intValue("epochs", 3, 1, 100));
        assertTrue(e.getMessage().contains("1..100"), e.getMessage());
        assertThrows(UsageException.class,
                () -> Args.parse(new String[] {"--epochs", "x"}, v, Set.of()).intValue("epochs", 3, 1, 100));
    }

    @Test
    void mainReportsUnknownCommandsWithStatus2() {
        assertEquals(2, Main.run(new String[] {"no-such-command"}));
        assertEquals(2, Main.run(new String[] {"demo", "--epochs", "zero"}));
        assertEquals(0, Main.run(new String[] {"--help"}));
    }
}
