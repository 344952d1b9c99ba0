package dev.torchslim.examples.report;

import dev.torchslim.report.RunEnvironment;
import dev.torchslim.core.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The demo's results: printed as a table, written as JSON {"stages":[...]}. */
public final class StageTable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<StageResult> rows = new ArrayList<>();

    /**
     * Appends a row.
     *
     * @param r the stage's result
     */
    public void add(StageResult r) {
        rows.add(r);
    }

    /**
     * The rows in the order they were added.
     *
     * @return an unmodifiable view of the rows
     */
    public List<StageResult> rows() {
        return Collections.unmodifiableList(rows);
    }

    /**
     * The table's column headings, aligned with {@link #format}.
     *
     * @return the header line
     */
    public static String header() {
        return String.format(Locale.ROOT, "%-24s %9s %11s %11s %12s %11s",
                "stage", "accuracy", "params", "nonzero", "size (B)", "latency ms");
    }

    /**
     * One row as a line of the text table.
     *
     * @param r the stage's result
     * @return the formatted line
     */
    public static String format(StageResult r) {
        return String.format(Locale.ROOT, "%-24s %8.2f%% %11d %11d %12d %11.3f",
                r.name(), 100 * r.accuracy(), r.params(), r.nonzeroParams(), r.sizeBytes(), r.latencyMs());
    }

    /**
     * Prints the header and every row.
     *
     * @param out where to print
     */
    public void print(PrintStream out) {
        out.println(header());
        for (StageResult r : rows) {
            out.println(format(r));
        }
    }

    /**
     * {"environment": {...}, "stages": [...]}: environment from {@link RunEnvironment#current}.
     *
     * @return the JSON text
     */
    public String toJson() {
        return toJson(RunEnvironment.current(null));
    }

    /**
     * {"environment": env, "stages": [{name, accuracy, params, nonzero_params, size_bytes, latency_ms}]}.
     *
     * @param environment the environment block
     * @return the JSON text
     */
    public String toJson(Map<String, Object> environment) {
        ObjectNode root = JSON.createObjectNode();
        root.set("environment", JSON.valueToTree(environment));
        ArrayNode stages = root.putArray("stages");
        for (StageResult r : rows) {
            ObjectNode n = stages.addObject();
            n.put("name", r.name());
            n.put("accuracy", r.accuracy());
            n.put("params", r.params());
            n.put("nonzero_params", r.nonzeroParams());
            n.put("size_bytes", r.sizeBytes());
            n.put("latency_ms", r.latencyMs());
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the stage table as JSON", e);
        }
    }

    /**
     * Writes the JSON through a temporary file and an atomic move: never half a file.
     *
     * @param file the JSON file to write
     * @throws IOException when it cannot be written
     */
    public void writeJson(Path file) throws IOException {
        writeJson(file, RunEnvironment.current(null));
    }

    /**
     * As {@link #writeJson(Path)}, with the given environment block.
     *
     * @param file the JSON file to write
     * @param environment the environment block
     * @throws IOException when it cannot be written
     */
    public void writeJson(Path file, Map<String, Object> environment) throws IOException {
        String json = toJson(environment);
        AtomicFiles.write(file, tmp -> Files.writeString(tmp, json, StandardCharsets.UTF_8));
    }

    /**
     * The closing summary: each stage against the first row (the baseline): accuracy change in
     * points, size and latency as ratios (how many times smaller / faster).
     *
     * @param out where to print
     */
    public void printSummary(PrintStream out) {
        if (rows.isEmpty()) {
            return;
        }
        StageResult base = rows.get(0);
        out.println();
        out.println("Summary against " + base.name() + " (" + String.format(Locale.ROOT, "%.2f%%", 100 * base.accuracy())
                + ", " + base.sizeBytes() + " B, " + String.format(Locale.ROOT, "%.3f ms", base.latencyMs()) + "):");
        out.println(String.format(Locale.ROOT, "%-24s %10s %12s %12s", "stage", "accuracy", "smaller", "faster"));
        for (StageResult r : rows) {
            out.println(String.format(Locale.ROOT, "%-24s %+9.2f %11.2fx %11.2fx", r.name(),
                    100 * (r.accuracy() - base.accuracy()), ratio(base.sizeBytes(), r.sizeBytes()),
                    ratio(base.latencyMs(), r.latencyMs())));
        }
    }

    private static double ratio(double base, double value) {
        return value > 0 ? base / value : Double.NaN;
    }
}
