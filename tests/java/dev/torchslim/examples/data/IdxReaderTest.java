package dev.torchslim.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x0800 | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    @Test
    void readsPlainAndGzippedFiles(@TempDir Path dir) throws IOException {
        byte[] data = {1, 2, 3, 4, 5, 6};
        byte[] file = idx(new int[] {3, 2}, data);
        Path plain = dir.resolve("x-idx2-ubyte");
        Files.write(plain, file);
        Path gz = dir.resolve("x-idx2-ubyte.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(file);
        }
        for (Path p : new Path[] {plain, gz}) {
            IdxReader.IdxData d = IdxReader.read(p);
            assertArrayEquals(new int[] {3, 2}, d.dims());
            assertArrayEquals(data, d.data());
            assertEquals(3, d.count());
        }
    }

    @Test
    void truncatedDataIsAFormatError() throws IOException {
        byte[] file = idx(new int[] {10, 28, 28}, new byte[10 * 28 * 28]);
        byte[] cut = Arrays.copyOf(file, file.length - 100);
        IdxFormatException e = assertThrows(IdxFormatException.class,
                () -> IdxReader.read(new ByteArrayInputStream(cut), "cut"));
        assertTrue(e.getMessage().contains("truncated IDX data"), e.getMessage());
        assertTrue(e.getMessage().contains((10 * 28 * 28 - 100) + " of " + (10 * 28 * 28)), e.getMessage());
    }

    @Test
    void truncatedHeaderAndBadMagicAreFormatErrors() throws IOException {
        byte[] file = idx(new int[] {10, 28, 28}, new byte[0]);
        assertThrows(IdxFormatException.class,
                () -> IdxReader.read(new ByteArrayInputStream(Arrays.copyOf(file, 9)), "hdr"));
        assertThrows(IdxFormatException.class, () -> IdxReader.read(new ByteArrayInputStream(new byte[0]), "empty"));
        byte[] floats = file.clone();
        floats[2] = 0x0d; // float32 elements: not supported
        IdxFormatException e = assertThrows(IdxFormatException.class,
                () -> IdxReader.read(new ByteArrayInputStream(floats), "f"));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
        byte[] negative = idx(new int[] {-1}, new byte[0]);
        assertThrows(IdxFormatException.class, () -> IdxReader.read(new ByteArrayInputStream(negative), "neg"));
    }

    @Test
    void missingDataSetNamesTheDebianPackage(@TempDir Path dir) {
        DatasetNotFoundException e = assertThrows(DatasetNotFoundException.class, () -> FashionMnist.train(dir));
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
    }

    @Test
    void labelsMustMatchImages(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte"), idx(new int[] {2, 28, 28}, new byte[2 * 28 * 28]));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(new int[] {3}, new byte[] {0, 1, 2}));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> FashionMnist.train(dir));
        assertTrue(e.getMessage().contains("3 labels for 2 images"), e.getMessage());
    }

    @Test
    void smallFilesBecomeNormalisedTensors(@TempDir Path dir) throws IOException {
        byte[] pixels = new byte[2 * 28 * 28];
        pixels[0] = (byte) 255;
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(new int[] {2, 28, 28}, pixels));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {2}, new byte[] {7, 3}));
        try (Dataset d = FashionMnist.test(dir)) {
            assertEquals(2, d.size());
            assertEquals(4, d.images().dim());
            assertEquals((1 - FashionMnist.MEAN) / FashionMnist.STD, d.images().flatten().get(0).item_float(), 1e-5);
            assertEquals(-FashionMnist.MEAN / FashionMnist.STD, d.images().flatten().get(1).item_float(), 1e-5);
            assertEquals(3, d.labels().get(1).item_long());
        }
    }
}
