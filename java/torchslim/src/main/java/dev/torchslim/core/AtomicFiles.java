package dev.torchslim.core;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Never half a file: write a temporary file beside the target ({@code .ts<pid>-<n>.tmp}, short
 * so that any valid target name works), then rename it over the target.
 */
public final class AtomicFiles {
    private static final AtomicLong COUNTER = new AtomicLong();

    /** Writes the complete content to the given (temporary) path. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Writes the whole content to tmp; the caller moves it over the target afterwards.
         *
         * @param tmp the temporary file to write
         * @throws IOException when writing fails (the temporary file is then removed)
         */
        void writeTo(Path tmp) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Lets writer fill a temporary file in target's directory (created if missing), then moves it
     * over target atomically, keeping an existing target's permissions. On failure the temporary
     * file is removed and target is untouched. A target that is a directory, a device or a
     * symbolic link is refused ({@link OutputFileException}). Temporary files that killed runs left
     * in that directory are removed first.
     *
     * @param target the file to create or replace
     * @param writer fills the temporary file
     * @throws IOException when writing or the move fails
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        OutputFiles.requireReplaceable(abs);
        Path dir = OutputFiles.directoryOf(abs);
        Files.createDirectories(dir);
        OutputFiles.removeStaleTemporaries(dir);
        Set<PosixFilePermission> mode = existingMode(abs);
        Path tmp = createTemporary(dir, target);
        try {
            writer.writeTo(tmp);
            if (mode != null) {
                Files.setPosixFilePermissions(tmp, mode);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": " + withoutTemporary(e, tmp, target), e);
        } catch (TorchSlimException e) {
            throw new TorchSlimException("cannot write " + target + ": " + withoutTemporary(e, tmp, target), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Error messages name the user's file, not our temporary one. */
    private static String withoutTemporary(Exception e, Path tmp, Path target) {
        return String.valueOf(e.getMessage()).replace(tmp.toString(), target.toString());
    }

    private static Path createTemporary(Path dir, Path target) throws IOException {
        long pid = ProcessHandle.current().pid();
        for (int attempt = 0; attempt < 1000; attempt++) {
            Path tmp = dir.resolve(".ts" + pid + "-" + COUNTER.incrementAndGet() + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                // taken (a previous JVM with our pid, or a native writer): try the next number
            } catch (IOException e) {
                throw new IOException("cannot write " + target + ": cannot create a file in " + dir + " ("
                        + e.getMessage() + ")", e);
            }
        }
        throw new IOException("cannot write " + target + ": no free temporary name in " + dir);
    }

    private static Set<PosixFilePermission> existingMode(Path target) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null || !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        return view.readAttributes().permissions();
    }
}
