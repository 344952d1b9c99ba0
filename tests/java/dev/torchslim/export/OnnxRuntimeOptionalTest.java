package dev.torchslim.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.torchslim.core.TorchSlimException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime is an optional dependency: without it on the class path, OnnxRuntimeModel.open
 * throws TorchSlimException saying what to add, not NoClassDefFoundError. Checked in a child JVM
 * whose class path leaves the onnxruntime jar out.
 */
class OnnxRuntimeOptionalTest {
    /** The child JVM: opens a file with ONNX Runtime absent and prints what it got. */
    public static void main(String[] args) throws IOException {
        Path file = Files.createTempFile("torchslim-no-ort", ".onnx");
        try {
            OnnxRuntimeModel.open(file, 1).close();
            System.out.println("opened");
        } catch (TorchSlimException e) {
            System.out.println("typed: " + e.getMessage());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void missingOnnxRuntimeIsATypedError() throws IOException, InterruptedException {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                // also without the CLI's runnable jar: its manifest names lib/onnxruntime-*.jar
                .filter(entry -> !entry.contains("onnxruntime") && !entry.contains("torchslim-cli"))
                .collect(Collectors.joining(File.pathSeparator));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", classPath, OnnxRuntimeOptionalTest.class.getName())
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "child JVM did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("typed: ONNX Runtime is not on the class path"), text);
    }
}
