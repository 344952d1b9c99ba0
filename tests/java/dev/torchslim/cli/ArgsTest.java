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
    void numbersAreStrictAndMessagesNameFlagValueAndRange() {
        Set<String> v = Set.of("dim", "seed", "amount");
        String[][] badInts = {{"dim", "1.5"}, {"dim", "1e3"}, {"dim", "0x1"}, {"dim", " 1"}, {"dim", "NaN"},
            {"dim", "9"}, {"dim", "-1"}, {"seed", "1e30"}, {"seed", "99999999999999999999"}, {"dim", ""}};
        for (String[] c : badInts) {
            UsageException e = assertThrows(UsageException.class,
                    () -> Args.parse(new String[] {"--" + c[0], c[1]}, v, Set.of()).longValue(c[0], 0, 0,
                            c[0].equals("dim") ? 4 : Long.MAX_VALUE), c[0] + " " + c[1]);
            assertTrue(e.getMessage().contains("--" + c[0]) && e.getMessage().contains(c[1].trim())
                    && e.getMessage().contains("0.."), e.getMessage());
        }
        String[] badDoubles = {"NaN", "Infinity", "-Infinity", "1.5", "-0.1", "0x1p-1", "1d", "0.5f", "", ".", "1e"};
        for (String b : badDoubles) {
            UsageException e = assertThrows(UsageException.class,
                    () -> Args.parse(new String[] {"--amount", b}, v, Set.of()).doubleValue("amount", 0, 0, 1), b);
            assertTrue(e.getMessage().contains("--amount") && e.getMessage().contains("[0, 1]")
                    && e.getMessage().contains("got"), e.getMessage());
        }
        Args ok = Args.parse(new String[] {"--amount", "5e-1", "--dim=3", "--seed", "9223372036854775807"}, v, Set.of());
        assertEquals(0.5, ok.doubleValue("amount", 0, 0, 1));
        assertEquals(3, ok.intValue("dim", 0, 0, 4));
        assertEquals(Long.MAX_VALUE, ok.longValue("seed", 0, 0, Long.MAX_VALUE));
        assertEquals(0.25, Args.parse(new String[] {"--amount", ".25"}, v, Set.of()).doubleValue("amount", 0, 0, 1));
    }

    @Test
    void aRepeatedOptionIsAnError() {
        UsageException e = assertThrows(UsageException.class,
                () -> Args.parse(new String[] {"--dim", "1", "--dim=2"}, Set.of("dim"), Set.of()));
        assertTrue(e.getMessage().contains("--dim") && e.getMessage().contains("twice")
                && e.getMessage().contains("'1'") && e.getMessage().contains("'2'"), e.getMessage());
        assertThrows(UsageException.class, () -> Args.parse(new String[] {"--force", "--force"}, Set.of(),
                Set.of("force")));
    }

    @Test
    void picocliReadsTheLineAsTheOldParserDid() {
        Set<String> v = Set.of("in", "out", "hint");
        // "@name" is a value (a file name), never an argument file expanded by picocli
        assertEquals("@weights.pt", Args.parse(new String[] {"--in", "@weights.pt"}, v, Set.of()).get("in", null));
        // a repeatable option keeps its values in order, joined with commas
        assertEquals("a:b,c:d", Args.parse(new String[] {"--hint", "a:b", "--hint=c:d"}, v, Set.of(), Set.of("hint"))
                .get("hint", null));
        UsageException e = assertThrows(UsageException.class,
                () -> Args.parse(new String[] {"--in", "--out", "x"}, v, Set.of()));
        assertTrue(e.getMessage().contains("--in") && e.getMessage().contains("needs a value"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Args.parse(new String[] {"--bogus=1"}, v, Set.of()));
        assertEquals("unknown option --bogus", e.getMessage());
        e = assertThrows(UsageException.class, () -> Args.parse(new String[] {"--in", "a", "stray"}, v, Set.of()));
        assertEquals("unexpected argument 'stray'", e.getMessage());
    }

    @Test
    void mainReportsUnknownCommandsWithStatus2() {
        assertEquals(2, Main.run(new String[] {"no-such-command"}));
        assertEquals(2, Main.run(new String[] {"demo", "--epochs", "zero"}));
        assertEquals(0, Main.run(new String[] {"--help"}));
    }
}
