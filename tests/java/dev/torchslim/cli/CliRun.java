package dev.torchslim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs one CLI command in this JVM, as the command tests do: stdout captured, exit status checked. */
final class CliRun {
    private CliRun() {}

    /** Runs {@code ./torchslim command args...}; asserts the exit status and returns what it printed. */
    static String run(String command, int expected, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            String[] all = new String[args.length + 1];
            all[0] = command;
            System.arraycopy(args, 0, all, 1, args.length);
            rc = Main.run(all);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(expected, rc, out);
        return out;
    }
}
