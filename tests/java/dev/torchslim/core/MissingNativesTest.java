package dev.torchslim.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The natives come in a classifier jar of their own (torchslim-VERSION-linux-x86_64.jar): a
 * consumer that declares only dev.torchslim:torchslim gets a TorchSlimException naming the
 * dependency to add, not a bare UnsatisfiedLinkError. Checked in a child JVM whose class path
 * holds everything but the natives.
 */
class MissingNativesTest {
    /** The child JVM: loads TorchSlim's natives and prints what it got. */
    public static void main(String[] args) {
        try {
            NativeLibrary.ensureLoaded();
            System.out.println("loaded");
        } catch (TorchSlimException e) {
            System.out.println("typed: " + e.getMessage());
            System.out.println("cause: " + (e.getCause() == null ? null : e.getCause().getClass().getName()));
        }
    }

    @Test
    void nativesAreFoundWhereTheLoaderLooks() {
        String directory = NativeLibrary.nativesDirectory(Loader.getPlatform());
        assertNotNull(directory, "no dev/torchslim/jni/" + Loader.getPlatform() + "*/ on the test class path");
        NativeLibrary.ensureLoaded();
    }

    @Test
    void missingNativesJarIsATypedErrorNamingTheDependency(@TempDir Path temp)
            throws IOException, InterruptedException {
        List<String> classPath = new ArrayList<>();
        int left = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (entry.contains("torchslim-cli")) {
                left++; // the CLI's runnable jar: its manifest names lib/torchslim-*-linux-x86_64.jar
            } else if (Files.isDirectory(path) && Files.isDirectory(path.resolve("dev/torchslim/jni"))) {
                // 'mvn test' before package: the library's classes directory holds the natives too
                Path copy = temp.resolve("classes" + classPath.size());
                copyWithoutNatives(path, copy);
                classPath.add(copy.toString());
                left++;
            } else if (entry.endsWith(".jar") && Files.isRegularFile(path) && holdsNatives(path)) {
                left++; // torchslim-VERSION-linux-x86_64.jar
            } else {
                classPath.add(entry);
            }
        }
        assertTrue(left > 0, "the test class path holds no natives to leave out");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                "-Dorg.bytedeco.javacpp.cachedir=" + temp.resolve("javacpp-cache"),
                "-cp", String.join(File.pathSeparator, classPath), MissingNativesTest.class.getName())
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "child JVM did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        String platform = Loader.getPlatform();
        assertTrue(text.contains("typed: TorchSlim's native libraries for " + platform + " are not on the class path"),
                text);
        assertTrue(text.contains("dev.torchslim:torchslim:" + TorchSlim.buildInfo().getProperty("torchslim.version")
                + " with classifier " + platform), text);
        assertTrue(text.contains("cause: java.lang.UnsatisfiedLinkError"), text);
    }

    private static boolean holdsNatives(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().anyMatch(e -> e.getName().startsWith("dev/torchslim/jni/")
                    && e.getName().endsWith(System.mapLibraryName("jnitorchslim")));
        }
    }

    /** Copies a classes directory, leaving out dev/torchslim/jni/PLATFORM/. */
    private static void copyWithoutNatives(Path from, Path to) throws IOException {
        Path natives = from.resolve("dev/torchslim/jni");
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(source -> {
                Path relative = from.relativize(source);
                Path target = to.resolve(relative.toString());
                try {
                    if (Files.isDirectory(source)) {
                        if (!(source.getParent() != null && source.getParent().equals(natives))) {
                            Files.createDirectories(target);
                        }
                    } else if (!(source.getParent() != null && source.getParent().getParent() != null
                            && source.getParent().getParent().equals(natives))) {
                        Files.copy(source, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
