package dev.torchslim.reliability;

import dev.torchslim.core.AtomicFiles;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** A JVM that saves one file over and over (each version one repeated byte) until it is killed. */
public final class SaveLoop {
    static final int SIZE = 8 << 20;

    private SaveLoop() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        byte[] chunk = new byte[1 << 16];
        for (int version = 1; ; version++) {
            Arrays.fill(chunk, (byte) version);
            AtomicFiles.write(out, tmp -> {
                try (OutputStream os = Files.newOutputStream(tmp)) {
                    for (int written = 0; written < SIZE; written += chunk.length) {
                        os.write(chunk);
                    }
                }
            });
            System.out.println("saved " + version);
        }
    }
}
