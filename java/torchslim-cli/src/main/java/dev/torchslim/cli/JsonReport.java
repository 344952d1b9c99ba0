package dev.torchslim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.torchslim.core.AtomicFiles;
import dev.torchslim.core.OutputFiles;
import dev.torchslim.report.RunEnvironment;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code --json FILE} of a command: one JSON object with the command's name, its results and
 * the run's environment (versions, threads, seed), written atomically once the command's own output
 * is written. Checked before any work, like every output.
 */
final class JsonReport {
    private final Path file;
    private final Map<String, Object> root = new LinkedHashMap<>();

    private JsonReport(Path file, String command) {
        this.file = file;
        root.put("command", command);
    }

    /**
     * The report --json asks for (or one that writes nothing), after checking its path: writable, and
     * none of the command's other files.
     */
    static JsonReport of(Args args, String command, Path... others) {
        String name = args.get("json", null);
        Path file = name == null ? null : Paths.get(name);
        if (file != null) {
            OutputFiles.check(null, file, false);
            for (Path other : others) {
                if (other != null && file.toAbsolutePath().normalize().equals(other.toAbsolutePath().normalize())) {
                    throw new UsageException("--json names " + other + ", a file the command reads or writes");
                }
            }
        }
        return new JsonReport(file, command);
    }

    /** Adds one result (strings, numbers, booleans, lists and maps of them). */
    JsonReport put(String key, Object value) {
        root.put(key, value);
        return this;
    }

    /**
     * An ordered JSON object from key, value pairs ({@code object("batch", 1, "ms", 2.5)}), for the
     * rows of a command's results.
     */
    static Map<String, Object> object(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values come in pairs");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** Writes the report with the environment block (seed may be null) and says so on o; nothing without --json. */
    void write(PrintStream o, Long seed) throws IOException {
        if (file == null) {
            return;
        }
        root.put("environment", RunEnvironment.current(seed));
        writeAtomically(o, file, root);
    }

    /** value as indented JSON in file (temporary file, then rename), and "wrote FILE" on o. */
    static void writeAtomically(PrintStream o, Path file, Object value) throws IOException {
        String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        AtomicFiles.write(file, tmp -> Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8));
        o.println("wrote " + file);
    }
}
