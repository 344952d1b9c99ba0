package dev.torchslim.core;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What ModelFiles says about files built here; real Python files are in reliability/ModelFileOracleTest. */
class ModelFilesTest {
    @TempDir
    Path dir;

    static void assertSays(Path file, String... phrases) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFiles.requireTorchScript(file));
        assertTrue(e.getMessage().contains(file.toString()), "message does not name the file: " + e.getMessage());
        for (String p : phrases) {
            assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
        }
    }

    /** A zip shaped like torch.jit.save's: stored entries under one prefix. */
    static Path zip(Path file, String... names) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            for (String n : names) {
                byte[] data = ("content of " + n).getBytes();
                ZipEntry e = new ZipEntry(n);
                e.setMethod(ZipEntry.STORED);
                e.setSize(data.length);
                CRC32 crc = new CRC32();
                crc.update(data);
                e.setCrc(crc.getValue());
                z.putNextEntry(e);
                z.write(data);
                z.closeEntry();
            }
        }
        return file;
    }

    static final String[] TORCHSCRIPT = {"m/data.pkl", "m/constants.pkl", "m/code/__torch__.py", "m/version"};

    @Test
    void acceptsTheTorchScriptLayout() throws IOException {
        ModelFiles.requireTorchScript(zip(dir.resolve("ok.pt"), TORCHSCRIPT));
    }

    @Test
    void namesMissingDirectoryEmptyAndDeviceFiles() throws IOException {
        assertSays(dir.resolve("none.pt"), "no such file");
        assertSays(dir, "is a directory");
        assertSays(Files.createFile(dir.resolve("empty.pt")), "is empty");
        assertSays(Path.of("/dev/zero"), "not a regular file");
    }

    @Test
    void recognisesWhatItIsInstead() throws IOException {
        assertSays(Files.write(dir.resolve("legacy.pt"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c}),
                "pickled object (torch.save)", "torch.jit.script(model).save(path)");
        assertSays(Files.writeString(dir.resolve("text.pt"), "hello, not a model"), "not a zip archive");
        assertSays(zip(dir.resolve("sd.pt"), "archive/data.pkl", "archive/data/0", "archive/version"),
                "state_dict or pickled module saved with torch.save");
        assertSays(zip(dir.resolve("ep.pt2"), "ep/archive_format", "ep/models/model.json", "ep/data/weights/w"),
                "ExportedProgram (torch.export)", "torch.jit.trace/script(model).save(path)");
        assertSays(zip(dir.resolve("ep_old.pt2"), "serialized_exported_program.json", "serialized_state_dict.pt"),
                "ExportedProgram");
        assertSays(zip(dir.resolve("other.zip"), "a.txt", "b.txt"), "zip archive but not TorchScript", "a.txt");
    }

    @Test
    void everyTruncationAndDamagedChecksumIsNamed() throws IOException {
        byte[] good = Files.readAllBytes(zip(dir.resolve("good.pt"), TORCHSCRIPT));
        for (int n = 1; n < good.length; n++) {
            Path cut = Files.write(dir.resolve("cut.pt"), Arrays.copyOf(good, n));
            ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFiles.requireTorchScript(cut),
                    "truncated to " + n + " of " + good.length + " bytes was accepted");
            assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
        }
        byte[] flipped = good.clone();
        int at = indexOf(good, "content of m/data.pkl".getBytes());
        flipped[at + 3] ^= 0x20;
        assertSays(Files.write(dir.resolve("flip.pt"), flipped), "truncated or damaged", "m/data.pkl");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("not found");
    }
}
