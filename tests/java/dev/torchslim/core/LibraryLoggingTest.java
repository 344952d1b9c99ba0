package dev.torchslim.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The library logs through SLF4J and never prints: no System.out/System.err/printStackTrace in its sources. */
class LibraryLoggingTest {
    private static final Pattern PRINTS = Pattern.compile("System\\.(out|err)\\b|printStackTrace\\(");

    @Test
    void theLibrarySourcesNeverPrint() throws IOException {
        Path src = Path.of("java/torchslim/src/main/java");
        assertTrue(Files.isDirectory(src), "run from the project root: " + Path.of("").toAbsolutePath());
        List<String> hits;
        try (Stream<Path> files = Files.walk(src)) {
            hits = files.filter(p -> p.toString().endsWith(".java")).flatMap(p -> {
                try {
                    List<String> lines = Files.readAllLines(p);
                    return java.util.stream.IntStream.range(0, lines.size())
                            .filter(i -> PRINTS.matcher(lines.get(i)).find())
                            .mapToObj(i -> src.relativize(p) + ":" + (i + 1) + ": " + lines.get(i).strip());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertEquals(List.of(), hits);
    }
}
