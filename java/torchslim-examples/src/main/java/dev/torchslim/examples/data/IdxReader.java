package dev.torchslim.examples.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST family's format), gzipped or not: a magic number whose third byte
 * is the element type (0x08 = unsigned byte) and fourth the number of dimensions, then the
 * dimensions as big-endian ints, then the data.
 */
public final class IdxReader {
    private static final int UNSIGNED_BYTE = 0x08;
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /**
     * Dimensions and unsigned-byte data of one IDX file.
     *
     * @param dims the dimensions, first the item count
     * @param data the unsigned bytes, row-major
     */
    public record IdxData(int[] dims, byte[] data) {
        /**
         * The number of items, the first dimension.
         *
         * @return the item count
         */
        public int count() {
            return dims[0];
        }
    }

    private IdxReader() {}

    /**
     * Reads an IDX file, gunzipping it when it starts with the gzip magic bytes.
     *
     * @param file the file
     * @return its dimensions and data
     * @throws IOException when the file cannot be read or is malformed
     */
    public static IdxData read(Path file) throws IOException {
        try (InputStream in = open(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads from a stream; name is used in messages.
     *
     * @param stream the IDX bytes
     * @param name the file name for messages
     * @return the dimensions and data
     * @throws IOException when reading fails or the data is malformed
     */
    public static IdxData read(InputStream stream, String name) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new IdxFormatException(name + ": empty or truncated IDX header");
        }
        if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != UNSIGNED_BYTE) {
            throw new IdxFormatException(String.format(
                    "%s: bad IDX magic 0x%08x (expected 0x000008NN: unsigned bytes, NN dimensions)", name, magic));
        }
        int ndim = magic & 0xff;
        if (ndim < 1 || ndim > 4) {
            throw new IdxFormatException(name + ": IDX with " + ndim + " dimensions, expected 1 to 4");
        }
        int[] dims = new int[ndim];
        long total = 1;
        for (int i = 0; i < ndim; i++) {
            try {
                dims[i] = in.readInt();
            } catch (EOFException e) {
                throw new IdxFormatException(name + ": truncated IDX header (dimension " + i + " of " + ndim + ")");
            }
            if (dims[i] <= 0) {
                throw new IdxFormatException(name + ": dimension " + i + " is " + dims[i] + ", must be > 0");
            }
            total *= dims[i];
            if (total > MAX_ELEMENTS) {
                throw new IdxFormatException(name + ": IDX too large (" + total + "+ elements)");
            }
        }
        byte[] data = new byte[(int) total];
        int read = in.readNBytes(data, 0, data.length);
        if (read != data.length) {
            throw new IdxFormatException(name + ": truncated IDX data: " + read + " of " + data.length + " bytes");
        }
        return new IdxData(dims, data);
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        return (b0 == 0x1f && b1 == 0x8b) ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
    }
}
