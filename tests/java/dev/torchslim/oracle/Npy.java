package dev.torchslim.oracle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Float32 tensors to and from NumPy .npy files (format 1.0, little endian, C order). */
public final class Npy {
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npy() {}

    public static void write(Path file, Tensor t) throws IOException {
        Tensor c = t.to(torch.ScalarType.Float).contiguous();
        long[] shape = new long[(int) c.dim()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = c.size(i);
        }
        int n = (int) c.numel();
        float[] data = new float[n];
        c.data_ptr_float().get(data);
        String dims = shape.length == 1 ? shape[0] + "," : String.join(", ",
                Arrays.stream(shape).mapToObj(Long::toString).toArray(String[]::new));
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        buf.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        for (float f : data) {
            buf.putFloat(f);
        }
        Files.write(file, buf.array());
    }

    public static Tensor read(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        buf.position(8);
        int headerLen = buf.getShort() & 0xffff;
        byte[] h = new byte[headerLen];
        buf.get(h);
        String header = new String(h, StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'")) {
            throw new IOException(file + ": only float32 .npy files are supported: " + header);
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) {
            throw new IOException(file + ": no shape in header " + header);
        }
        long[] shape = Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        float[] data = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(data);
        return torch.from_blob(new FloatPointer(data), shape).clone();
    }
}
