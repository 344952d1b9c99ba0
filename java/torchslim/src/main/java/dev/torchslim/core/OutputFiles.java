package dev.torchslim.core;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one check of an output path before any work is done, shared by every command that writes a
 * file, and the temporary names beside it. Outputs are written as {@code .ts<pid>-<n>.tmp} (Java)
 * or {@code .ts<pid>-n<n>.tmp} (native) in the output's directory, then renamed over it; files of
 * exactly that pattern whose process is gone are litter of a killed run and are removed here.
 */
public final class OutputFiles {
    /** Our temporary files, and nothing else: a leading dot, "ts", the pid, a counter. */
    static final Pattern TEMP_NAME = Pattern.compile("\\.ts(\\d{1,19})-n?\\d{1,19}\\.tmp");

    private OutputFiles() {}

    /**
     * Throws {@link OutputFileException} naming out if it cannot be written safely: an existing
     * directory, device, pipe or symbolic link (a rename would replace it with a regular file), a
     * missing directory, or the input file itself (in may be null) unless force. Then removes stale
     * temporary files of dead TorchSlim processes from out's directory.
     *
     * @param in the input file, or null
     * @param out the output file
     * @param force allow out to be the input file
     */
    public static void check(Path in, Path out, boolean force) {
        if (out == null || out.toString().isEmpty()) {
            throw new OutputFileException("no output file given");
        }
        requireReplaceable(out);
        Path dir = directoryOf(out);
        if (!Files.isDirectory(dir)) {
            throw new OutputFileException("cannot write " + out + ": the directory " + dir + " does not exist");
        }
        if (in != null && Files.exists(out, LinkOption.NOFOLLOW_LINKS) && Files.exists(in) && !force) {
            boolean same;
            try {
                same = Files.isSameFile(in, out);
            } catch (IOException e) {
                same = false; // one of them cannot be read: writing out cannot destroy in then
            }
            if (same) {
                throw new OutputFileException("the output " + out + " is the input file " + in
                        + ": choose another output, or pass --force to replace the input");
            }
        }
        removeStaleTemporaries(dir);
    }

    /** Refuses an existing out that is not a regular file; a missing one is fine. */
    static void requireReplaceable(Path out) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(out, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new OutputFileException("cannot write " + out + ": " + e.getMessage(), e);
        }
        if (a.isSymbolicLink()) {
            String target;
            try {
                target = " (to " + Files.readSymbolicLink(out) + ")";
            } catch (IOException e) {
                target = "";
            }
            throw new OutputFileException("cannot write " + out + ": it is a symbolic link" + target
                    + "; name the file it points to, or remove the link");
        }
        if (a.isDirectory()) {
            throw new OutputFileException("cannot write " + out + ": it is a directory; name a file");
        }
        if (!a.isRegularFile()) {
            throw new OutputFileException("cannot write " + out
                    + ": it exists and is not a regular file (a device, a pipe or a socket)");
        }
    }

    static Path directoryOf(Path out) {
        Path parent = out.toAbsolutePath().getParent();
        return parent == null ? out.toAbsolutePath().getRoot() : parent;
    }

    /**
     * Removes our temporary files in dir left by processes that no longer run; returns how many.
     *
     * @param dir the directory to clean
     * @return the number of files removed
     */
    public static int removeStaleTemporaries(Path dir) {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".ts*.tmp")) {
            for (Path f : files) {
                Matcher m = TEMP_NAME.matcher(f.getFileName().toString());
                if (m.matches() && isStale(f, m.group(1)) && Files.deleteIfExists(f)) {
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Best effort: litter that cannot be listed or removed never stops a run.
        }
        return removed;
    }

    private static boolean isStale(Path file, String pidText) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(pidText);
        } catch (NumberFormatException e) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return true;
        }
        // The pid is in use again: the file is stale if that process started after it was written.
        Optional<Instant> started = process.get().info().startInstant();
        return started.isPresent() && started.get().isAfter(a.lastModifiedTime().toInstant().plusSeconds(1));
    }
}
