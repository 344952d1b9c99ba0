package dev.torchslim.data;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.jni.CoreApi;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Inputs and targets from files Python users already have: {@code torch.save({"x": X, "y": Y},
 * "data.pt")} (read with LibTorch's pickle loader) or a NumPy {@code .npy} array (inputs only).
 * Batches are views of the loaded tensors, in order.
 */
public final class TensorData {
    private final Path file;
    private final Tensor x;
    private final Tensor y;

    private TensorData(Path file, Tensor x, Tensor y) {
        this.file = file;
        this.x = x;
        this.y = y;
    }

    /**
     * Inputs and targets already in memory (y may be null); name stands for the file in messages.
     *
     * @param name what messages call the data
     * @param x the inputs, one row per example
     * @param y the targets, or null
     * @return the data set (it owns x and y)
     */
    public static TensorData of(String name, Tensor x, Tensor y) {
        if (x == null || x.dim() < 1) {
            throw new IllegalArgumentException("inputs must be a tensor with rows");
        }
        if (y != null && y.size(0) != x.size(0)) {
            throw new IllegalArgumentException(name + ": x has " + x.size(0) + " rows but y has " + y.size(0));
        }
        return new TensorData(java.nio.file.Paths.get(name), x, y);
    }

    /**
     * Reads {@code x} (and {@code y}, when present) from a .pt dict, or x from a .npy file.
     *
     * @param file a .pt or .npy file
     * @return the data set
     * @throws dev.torchslim.core.TorchSlimException when the file cannot be read or holds no x
     */
    public static TensorData load(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("data file must not be null");
        }
        if (!Files.isRegularFile(file)) {
            throw new TorchSlimException("no data file at " + file.toAbsolutePath());
        }
        if (file.getFileName().toString().endsWith(".npy")) {
            return new TensorData(file, readNpy(file), null);
        }
        Map<String, Tensor> tensors = readTorch(file);
        Tensor x = tensors.get("x");
        if (x == null && tensors.size() == 1) {
            x = tensors.values().iterator().next();
        }
        if (x == null) {
            throw new TorchSlimException(file + " holds " + tensors.keySet()
                    + ": expected a dict with 'x' (inputs) and optionally 'y' (targets), e.g. torch.save({'x': X, 'y': Y}, path)");
        }
        Tensor y = tensors.get("y");
        if (y != null && y.size(0) != x.size(0)) {
            throw new TorchSlimException(file + ": 'x' has " + x.size(0) + " rows but 'y' has " + y.size(0));
        }
        return new TensorData(file, x, y);
    }

    /**
     * Every tensor of a torch.save file by name (dict keys; "0", "1", ... for tuples; "" for one tensor).
     *
     * @param file a file written by torch.save
     * @return the tensors by name
     */
    public static Map<String, Tensor> readTorch(Path file) {
        NativeLibrary.ensureLoaded();
        try (StringVector names = new StringVector(); TensorVector v = CoreApi.load_tensors(file.toString(), names)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (long i = 0; i < v.size(); i++) {
                out.put(names.get(i).getString(), new Tensor(v.get(i)));  // own a reference: v is freed below
            }
            return out;
        }
    }

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|=]?)([a-z])(\\d+)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /**
     * A NumPy .npy array (float32/64, int8/32/64, uint8, bool; C order) as a tensor.
     *
     * @param file the .npy file
     * @return the array as a tensor
     */
    public static Tensor readNpy(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TorchSlimException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length < 10 || (bytes[0] & 0xff) != 0x93 || !new String(bytes, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new TorchSlimException(file + " is not a .npy file (no \\x93NUMPY magic)");
        }
        int major = bytes[6];
        int headerLen;
        int start;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new TorchSlimException(file + " is truncated in its .npy header");
            }
            headerLen = b.getInt(8);
            start = 12;
        } else {
            throw new TorchSlimException(file + ": unsupported .npy version " + major);
        }
        if (headerLen < 0 || start + (long) headerLen > bytes.length) {
            throw new TorchSlimException(file + " is truncated: its .npy header says " + headerLen + " bytes");
        }
        String header = new String(bytes, start, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher o = ORDER.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !o.find() || !s.find()) {
            throw new TorchSlimException(file + ": cannot parse the .npy header " + header.trim());
        }
        if (o.group(1).equals("True")) {
            throw new TorchSlimException(file + " is in Fortran order; save it with np.save(path, np.ascontiguousarray(a))");
        }
        if (d.group(1).equals(">")) {
            throw new TorchSlimException(file + " is big-endian; save it little-endian (a.astype('<f4'))");
        }
        String kind = d.group(2) + d.group(3);
        torch.ScalarType type = switch (kind) {
            case "f4" -> torch.ScalarType.Float;
            case "f8" -> torch.ScalarType.Double;
            case "i1" -> torch.ScalarType.Char;
            case "u1" -> torch.ScalarType.Byte;
            case "i4" -> torch.ScalarType.Int;
            case "i8" -> torch.ScalarType.Long;
            case "b1" -> torch.ScalarType.Bool;
            default -> throw new TorchSlimException(file + ": .npy dtype '" + kind + "' is not supported"
                    + " (float32/64, int8/32/64, uint8, bool)");
        };
        int itemSize = Integer.parseInt(d.group(3));
        List<Long> dims = new ArrayList<>();
        long count = 1;
        for (String part : s.group(1).split(",")) {
            if (!part.isBlank()) {
                long n = Long.parseLong(part.trim());
                if (n < 0) {
                    throw new TorchSlimException(file + ": negative dimension in the .npy header");
                }
                dims.add(n);
                count = Math.multiplyExact(count, n);
            }
        }
        long dataStart = start + headerLen;
        if (bytes.length - dataStart != count * itemSize) {
            throw new TorchSlimException(file + " is truncated or damaged: its header says " + count * itemSize
                    + " data bytes, the file has " + (bytes.length - dataStart));
        }
        NativeLibrary.ensureLoaded();
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        try (BytePointer data = new BytePointer(bytes.length - dataStart)) {
            data.put(bytes, (int) dataStart, (int) (bytes.length - dataStart));
            return torch.from_blob(data, shape, new TensorOptions(type)).clone();
        }
    }

    /**
     * The file the data came from (or the name given to {@link #of}).
     *
     * @return the source
     */
    public Path file() {
        return file;
    }

    /**
     * All inputs.
     *
     * @return the inputs, one row per example
     */
    public Tensor x() {
        return x;
    }

    /**
     * All targets, or null when the file has none.
     *
     * @return the targets, or null
     */
    public Tensor y() {
        return y;
    }

    /**
     * Whether the data has targets.
     *
     * @return true when {@link #y()} is not null
     */
    public boolean hasTargets() {
        return y != null;
    }

    /**
     * The number of rows.
     *
     * @return the row count
     */
    public long size() {
        return x.size(0);
    }

    /**
     * The inputs of rows [from, from + len).
     *
     * @param from the first row
     * @param len the number of rows
     * @return a view of those rows
     */
    public Tensor x(long from, long len) {
        return x.narrow(0, from, len);
    }

    /**
     * The targets of rows [from, from + len).
     *
     * @param from the first row
     * @param len the number of rows
     * @return a view of those rows
     */
    public Tensor y(long from, long len) {
        if (y == null) {
            throw new IllegalStateException(file + " has no targets ('y')");
        }
        return y.narrow(0, from, len);
    }

    /**
     * Consecutive input batches of the given size (the last may be smaller), at most maxBatches.
     *
     * @param batchSize rows per batch
     * @param maxBatches the most batches to return
     * @return views of the batches, in order
     */
    public List<Tensor> batches(int batchSize, int maxBatches) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        List<Tensor> out = new ArrayList<>();
        for (long from = 0; from < size() && out.size() < maxBatches; from += batchSize) {
            out.add(x(from, Math.min(batchSize, size() - from)));
        }
        return out;
    }
}
