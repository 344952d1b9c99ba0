package dev.torchslim.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated bad command lines for prune and demo: each exits 2 (usage) or 1 (refused) with a
 * message that names the flag or the file, and none writes a file.
 */
class CliBadInputTest {
    static final String[] BAD_NUMBERS = {"", " ", "x", "1.5.", "NaN", "nan", "Infinity", "-Infinity", "inf1", "1e",
        "1e99999", "0x10", "1d", "1f", "1,5", "--", "-", "+", "9".repeat(40), "-9".repeat(3), "1 2", "½", "١"};

    @TempDir
    Path dir;

    record Case(String expectInMessage, String... args) {}

    @Test
    void everyBadCommandLineIsRefusedClearly() throws IOException {
        Path model = Files.write(dir.resolve("model.pt"), new byte[] {(byte) 0x80, 2, 1});
        Path out = dir.resolve("out.pt");
        String in = model.toString();
        String o = out.toString();
        List<Case> cases = new ArrayList<>();
        String[][] pruneNumbers = {{"amount", "l1"}, {"dim", "ln"}, {"seed", "random"}, {"n", "ln"}};
        for (String[] f : pruneNumbers) {
            for (String v : withRange(BAD_NUMBERS, f[0])) {
                cases.add(new Case("--" + f[0], "prune", "--in", in, "--out", o, "--method", f[1], "--amount", "0.5",
                        "--" + f[0], v));
                cases.add(new Case("--" + f[0], "prune", "--in", in, "--out", o, "--method", f[1],
                        "--" + f[0] + "=" + v, f[0].equals("amount") ? "--dim=0" : "--amount=0.5"));
            }
        }
        for (String v : new String[] {"2", "2:", ":4", "5:4", "-1:4", "2:0", "2:4:8", "a:b", "1.5:4", "2:1e9", "x"}) {
            cases.add(new Case("--nm", "prune", "--in", in, "--out", o, "--method", "nm", "--nm", v));
        }
        for (String m : new String[] {"", "L1", "l2", "magnitude", "l1 ", "nm2:4"}) {
            cases.add(new Case("--method", "prune", "--in", in, "--out", o, "--method", m, "--amount", "0.5"));
        }
        for (String v : new String[] {"", "embeddings", "Embedding", "conv", "embedding,linear"}) {
            cases.add(new Case("--include", "prune", "--in", in, "--out", o, "--method", "l1", "--amount", "0.5",
                    "--include", v));
        }
        cases.add(new Case("--json", "prune", "--in", in, "--out", o, "--method", "l1", "--amount", "0.5", "--json", o));
        cases.add(new Case("--json", "prune", "--in", in, "--out", o, "--method", "l1", "--amount", "0.5", "--json"));
        for (String flag : new String[] {"include", "json"}) {
            String v = flag.equals("include") ? "embedding" : dir.resolve("t.json").toString();
            cases.add(new Case("--" + flag, "prune", "--in", in, "--out", o, "--method", "l1", "--amount", "0.5",
                    "--" + flag, v, "--" + flag, v));
        }
        for (String flag : new String[] {"in", "out", "method", "amount", "dim", "seed"}) {
            cases.add(new Case("--" + flag, "prune", "--in", in, "--out", o, "--method", "ln", "--amount", "0.5",
                    "--dim", "0", "--seed", "1", "--" + flag, "0"));
        }
        for (String[] missing : new String[][] {{"--out", o, "--method", "l1", "--amount", "0.5"},
            {"--in", in, "--method", "l1", "--amount", "0.5"}, {"--in", in, "--out", o, "--amount", "0.5"},
            {"--in", in, "--out", o, "--method", "l1"}, {"--in"}, {"--bogus", "1"}, {"stray"}}) {
            String[] args = new String[missing.length + 1];
            args[0] = "prune";
            System.arraycopy(missing, 0, args, 1, missing.length);
            cases.add(new Case("", args));
        }
        // Files: missing, a directory, empty, not a model, the input as output, outputs that are not files.
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path empty = Files.createFile(dir.resolve("empty.pt"));
        String[][] files = {{dir.resolve("missing.pt").toString(), o, "no such file"}, {sub.toString(), o, "directory"},
            {empty.toString(), o, "empty"}, {in, o, "pickled object"}, {in, in, "is the input file"},
            {in, sub.toString(), "is a directory"}, {in, "/dev/null", "not a regular file"},
            {in, dir.resolve("no/dir/out.pt").toString(), "does not exist"}};
        for (String[] f : files) {
            for (String method : new String[] {"l1", "l1-global", "random", "ln"}) {
                cases.add(new Case(f[2], "prune", "--in", f[0], "--out", f[1], "--method", method, "--amount", "0.5"));
            }
        }
        cases.add(new Case("is a directory", "prune", "--in", in, "--out", o, "--method", "l1", "--amount", "0.5",
                "--json", sub.toString()));
        cases.add(new Case("not a regular file", "prune", "--in", in, "--out", o, "--method", "l1", "--amount", "0.5",
                "--json", "/dev/null"));
        for (String flag : new String[] {"epochs", "seed", "threads"}) {
            for (String v : withRange(BAD_NUMBERS, flag)) {
                cases.add(new Case("--" + flag, "demo", "--" + flag, v, "--data", dir.resolve("nodata").toString()));
                cases.add(new Case("--" + flag, "demo", "--" + flag + "=" + v, "--data", dir.toString()));
            }
        }
        cases.add(new Case("directory", "demo", "--json", sub.toString()));
        cases.add(new Case("twice", "demo", "--retrain", "--retrain"));

        int n = 0;
        for (Case c : cases) {
            String[] err = new String[1];
            int rc = run(err, c.args());
            String what = String.join(" ", c.args()) + " -> " + rc + ": " + err[0];
            assertTrue(rc == 1 || rc == 2, what);
            assertTrue(err[0].startsWith("torchslim "), what);
            assertTrue(err[0].contains(c.expectInMessage()), "expected '" + c.expectInMessage() + "': " + what);
            assertTrue(!err[0].contains("Exception") && !err[0].contains("\tat "), what);
            assertTrue(Files.notExists(out), "wrote an output: " + what);
            n++;
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
        }
        System.out.println("CLI bad input: " + n + " cases, all refused with a message");
        assertTrue(n >= 300, "only " + n + " cases");
    }

    /** The bad values, plus values just outside each flag's range. */
    private static List<String> withRange(String[] bad, String flag) {
        List<String> out = new ArrayList<>(List.of(bad));
        switch (flag) {
            case "amount" -> out.addAll(List.of("-0.001", "1.0001", "2", "-1", "1e30"));
            case "dim" -> out.addAll(List.of("1.5", "-1", "5", "1e30", "2147483648"));
            case "seed" -> out.addAll(List.of("1.5", "-1", "1e30", "9223372036854775808", "0.0"));
            case "n" -> out.addAll(List.of("0", "-1", "-inf", "1e30", "0.0"));
            case "epochs" -> out.addAll(List.of("0", "101", "1.5", "-3", "1e2"));
            case "threads" -> out.addAll(List.of("0", "1025", "2.0", "-1"));
            default -> out.addAll(List.of("-1", "1.5", "1e30"));
        }
        return out;
    }

    private static int run(String[] err, String... args) {
        PrintStream oldErr = System.err;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true));
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
            return Main.run(args);
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
            err[0] = captured.toString();
        }
    }
}
