package dev.torchslim.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Files of tests/oracle/real_models.py (made once per build under target/oracle-real) and its Python check. */
public final class RealModels {
    private RealModels() {}

    /** NAME.pt beside NAME.x.npy and NAME.data.pt, made by {@code real_models.py make} on first use. */
    public static synchronized Path file(String name) {
        Path dir = Paths.get("target", "oracle-real");
        if (!Files.exists(dir.resolve(name + ".data.pt"))) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            PythonOracle.run("real_models.py", "make", dir.toString(), name);
        }
        return dir.resolve(name + ".pt");
    }

    /** A sibling of {@link #file}: NAME + suffix (".x.npy", ".data.pt"). */
    public static Path sibling(String name, String suffix) {
        return file(name).resolveSibling(name + suffix);
    }

    /**
     * {@code real_models.py check}: Python runs ref and out on x; the JSON line it prints (loads, runs,
     * quantized_ops, argmax_agreement, max_error_of_range, num_heads, error).
     */
    public static JsonNode check(Path ref, Path out, Path x) throws IOException {
        String text = PythonOracle.run("real_models.py", "check", ref.toString(), out.toString(), x.toString());
        String line = text.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(text);
        return new ObjectMapper().readTree(line);
    }
}
