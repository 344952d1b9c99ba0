package dev.torchslim.oracle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * The real test models of tests/oracle/graph_models.py (a residual CNN, MobileNetV2 depthwise
 * blocks, an LSTM classifier, a transformer encoder layer, an EfficientNet MBConv block, residual
 * MLP blocks on the input features) with
 * Python's references, made once
 * per JVM under target/oracle-models.
 */
public final class GraphModels {
    public static final List<String> NAMES = List.of("resnet", "depthwise", "lstm", "transformer", "mbconv", "features");
    private static Path dir;

    private GraphModels() {}

    public static synchronized Path dir() {
        if (dir == null) {
            Path d = Paths.get("target", "oracle-models");
            if (!Files.exists(d.resolve("features.ref.npy")) || !Files.exists(d.resolve("transformer.static_histogram.npy"))) {
                try {
                    Files.createDirectories(d);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                PythonOracle.run("graph_models.py", "make", d.toString());
            }
            dir = d;
        }
        return dir;
    }

    public static Path file(String name, String suffix) {
        return dir().resolve(name + suffix);
    }
}
