package dev.torchslim.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFilesTest {
    @TempDir
    Path dir;

    @Test
    void refusesOutputsThatAreNotRegularFilesNamingThem() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        OutputFileException e = assertThrows(OutputFileException.class, () -> OutputFiles.check(null, sub, true));
        assertTrue(e.getMessage().contains(sub.toString()) && e.getMessage().contains("directory"), e.getMessage());

        Path target = Files.writeString(dir.resolve("target.pt"), "keep");
        Path link = Files.createSymbolicLink(dir.resolve("link.pt"), target);
        e = assertThrows(OutputFileException.class, () -> OutputFiles.check(null, link, true));
        assertTrue(e.getMessage().contains("symbolic link") && e.getMessage().contains("target.pt"), e.getMessage());

        Path device = Path.of("/dev/null");
        e = assertThrows(OutputFileException.class, () -> OutputFiles.check(null, device, true));
        assertTrue(e.getMessage().contains("/dev/null") && e.getMessage().contains("not a regular file"),
                e.getMessage());
        e = assertThrows(OutputFileException.class, () -> AtomicFiles.write(device, tmp -> Files.writeString(tmp, "x")));
        assertTrue(Files.isSymbolicLink(link) && Files.readString(target).equals("keep"));

        e = assertThrows(OutputFileException.class, () -> OutputFiles.check(null, dir.resolve("no/such/out.pt"), false));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void refusesTheInputAsOutputUnlessForced() throws IOException {
        Path in = Files.writeString(dir.resolve("model.pt"), "model");
        Path sameByAnotherName = dir.resolve("sub/../model.pt");
        Files.createDirectory(dir.resolve("sub"));
        OutputFileException e = assertThrows(OutputFileException.class,
                () -> OutputFiles.check(in, sameByAnotherName, false));
        assertTrue(e.getMessage().contains("is the input file") && e.getMessage().contains("--force"), e.getMessage());
        Path hardLink = Files.createLink(dir.resolve("hard.pt"), in);
        assertThrows(OutputFileException.class, () -> OutputFiles.check(in, hardLink, false));
        OutputFiles.check(in, sameByAnotherName, true);
        OutputFiles.check(in, dir.resolve("other.pt"), false);
    }

    @Test
    void removesStaleTemporariesOfDeadProcessesOnly() throws IOException {
        long dead = deadPid();
        long alive = ProcessHandle.current().pid();
        Path staleJava = Files.writeString(dir.resolve(".ts" + dead + "-3.tmp"), "litter");
        Path staleNative = Files.writeString(dir.resolve(".ts" + dead + "-n7.tmp"), "litter");
        Path ours = Files.writeString(dir.resolve(".ts" + alive + "-1.tmp"), "in progress");
        Path notOurs = Files.writeString(dir.resolve(".ts" + dead + "-3.tmp.keep"), "user file");
        Path alsoNotOurs = Files.writeString(dir.resolve(".tsx-3.tmp"), "user file");
        OutputFiles.check(null, dir.resolve("out.pt"), false);
        assertFalse(Files.exists(staleJava));
        assertFalse(Files.exists(staleNative));
        assertTrue(Files.exists(ours) && Files.exists(notOurs) && Files.exists(alsoNotOurs));
    }

    @Test
    void atomicWriteKeepsModeWorksForLongNamesAndLeavesNothingOnFailure() throws IOException {
        Path out = dir.resolve("x".repeat(250) + ".pt"); // 253 bytes: "out.pt.tmp123456" would not fit
        AtomicFiles.write(out, tmp -> Files.writeString(tmp, "one"));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.write(out, tmp -> Files.writeString(tmp, "two"));
        assertEquals("two", Files.readString(out));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));

        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(out, tmp -> {
            Files.writeString(tmp, "half");
            throw new IOException("disk full at " + tmp);
        }));
        assertTrue(e.getMessage().contains(out.toString()) && !e.getMessage().contains(".tmp"), e.getMessage());
        assertEquals("two", Files.readString(out));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "a temporary file was left behind");
        }
    }

    private static long deadPid() {
        long pid = 4_000_000; // above the default pid_max: never a live process
        while (ProcessHandle.of(pid).isPresent()) {
            pid++;
        }
        return pid;
    }
}
