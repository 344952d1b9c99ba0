package dev.torchslim.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Says what a model file is before LibTorch reads it: LibTorch's own errors on a wrong or damaged
 * file ("PytorchStreamReader failed ... internal miniz error") name neither the file nor the fix.
 */
public final class ModelFiles {
    private static final String SCRIPT_IT = "save the model with torch.jit.script(model).save(path)"
            + " (or torch.jit.trace(model, example).save(path))";

    private ModelFiles() {}

    /**
     * Throws {@link ModelFileException} naming file unless it is a complete TorchScript archive
     * (torch.jit.save): a zip with {@code <prefix>/constants.pkl}, {@code <prefix>/data.pkl} and
     * {@code <prefix>/code/}, every entry inside the file and matching its CRC.
     *
     * @param file the file to check
     * @throws ModelFileException when it is missing, unreadable or not TorchScript
     */
    public static void requireTorchScript(Path file) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ModelFileException("no such file: " + file);
        } catch (IOException e) {
            throw new ModelFileException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (a.isDirectory()) {
            throw new ModelFileException(file + " is a directory, not a TorchScript file");
        }
        if (!a.isRegularFile()) {
            throw new ModelFileException(file + " is not a regular file (a device, a pipe or a socket)");
        }
        if (a.size() == 0) {
            throw new ModelFileException(file + " is empty (0 bytes), not a TorchScript file");
        }
        byte[] head = readHead(file, 16);
        if (!startsWith(head, 'P', 'K', 3, 4)) {
            throw new ModelFileException(file + " is " + describeNonZip(head, a.size()));
        }
        List<String> names = readEntries(file);
        classify(file, names);
    }

    private static byte[] readHead(Path file, int n) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        } catch (IOException e) {
            throw new ModelFileException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((b[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String describeNonZip(byte[] head, long size) {
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return "a pickled object (torch.save), not TorchScript: " + SCRIPT_IT;
        }
        if (startsWith(head, 'P', 'K', 5, 6)) {
            return "an empty zip archive, not TorchScript: " + SCRIPT_IT;
        }
        if (startsWith(head, 'P', 'K')) {
            return "truncated or damaged (a zip archive that does not start with a file entry)";
        }
        if (startsWith(head, 'G', 'G', 'U', 'F')) {
            return "a GGUF file (llama.cpp), not TorchScript: " + SCRIPT_IT;
        }
        if (startsWith(head, 0x89, 'H', 'D', 'F')) {
            return "an HDF5 file (Keras?), not TorchScript";
        }
        if (head.length >= 9 && head[8] == '{' && littleEndianLong(head) > 0 && littleEndianLong(head) < size) {
            return "a safetensors file (weights only), not TorchScript: " + SCRIPT_IT;
        }
        return "not a TorchScript file (not a zip archive; TorchScript files are zip archives written by"
                + " torch.jit.save): " + SCRIPT_IT;
    }

    private static long littleEndianLong(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    /** Every entry name, after reading every entry through and checking its CRC. */
    private static List<String> readEntries(Path file) {
        List<String> names = new ArrayList<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            byte[] buffer = new byte[1 << 16];
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                names.add(e.getName());
                if (e.isDirectory()) {
                    continue;
                }
                CRC32 crc = new CRC32();
                long length = 0;
                try (InputStream in = zip.getInputStream(e)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        crc.update(buffer, 0, n);
                        length += n;
                    }
                }
                if ((e.getSize() >= 0 && length != e.getSize()) || (e.getCrc() >= 0 && crc.getValue() != e.getCrc())) {
                    throw new ModelFileException(file + " is truncated or damaged: entry " + e.getName()
                            + " does not match its checksum");
                }
            }
        } catch (ZipException | java.io.EOFException e) {
            throw new ModelFileException(file + " is truncated or damaged (" + e.getMessage()
                    + "); save it again with torch.jit.save", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelFileException(file + " is truncated or damaged (" + e + "); save it again with"
                    + " torch.jit.save", e);
        }
        return names;
    }

    private static void classify(Path file, List<String> names) {
        Set<String> set = new HashSet<>(names);
        for (String n : names) {
            if (n.endsWith("serialized_exported_program.json") || n.endsWith("/archive_format")
                    || n.equals("archive_format") || n.matches("(.*/)?models/[^/]+\\.json")) {
                throw new ModelFileException(file + " is an ExportedProgram (torch.export); TorchSlim reads"
                        + " TorchScript: torch.jit.trace/script(model).save(path)");
            }
        }
        boolean pickle = false;
        for (String n : names) {
            if (n.equals("data.pkl") || n.endsWith("/data.pkl")) {
                pickle = true;
                String prefix = n.substring(0, n.length() - "data.pkl".length());
                if (set.contains(prefix + "constants.pkl") && hasPrefix(names, prefix + "code/")) {
                    return;
                }
            }
        }
        if (pickle) {
            throw new ModelFileException(file + " is a state_dict or pickled module saved with torch.save, not"
                    + " TorchScript (it has data.pkl but no constants.pkl or code/): " + SCRIPT_IT);
        }
        List<String> shown = names.subList(0, Math.min(5, names.size()));
        throw new ModelFileException(file + " is a zip archive but not TorchScript (no <name>/constants.pkl,"
                + " data.pkl and code/; it holds " + shown + (names.size() > 5 ? "..." : "") + "): " + SCRIPT_IT);
    }

    private static boolean hasPrefix(List<String> names, String prefix) {
        for (String n : names) {
            if (n.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
