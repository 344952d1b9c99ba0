package dev.torchslim.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Never half a file: write beside the target, then an atomic rename. */
public final class AtomicFiles {
    /** Writes the complete content to the given (temporary) path. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(Path tmp) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Lets writer fill a temporary file in target's directory (created if missing), then moves it
     * over target atomically. On failure the temporary file is removed and target is untouched.
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
        try {
            writer.writeTo(tmp);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
