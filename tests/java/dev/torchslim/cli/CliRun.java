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
        return runBoth(command, expected, args)[0];
    }

    /** As {@link #run}, returning what it printed to stderr (the error messages). */
    static String runErr(String command, int expected, String... args) {
        return runBoth(command, expected, args)[1];
    }

    /** As {@link #run}, returning {stdout, stderr}. */
    static String[] runBoth(String command, int expected, String... args) {
        PrintStream old = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc;
        try {
            String[] all = new String[args.length + 1];
            all[0] = command;
            System.arraycopy(args, 0, all, 1, args.length);
            rc = Main.run(all);
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        String errors = err.toString(StandardCharsets.UTF_8);
        oldErr.print(errors);
        assertEquals(expected, rc, out + errors);
        return new String[] {out, errors};
    }
}
