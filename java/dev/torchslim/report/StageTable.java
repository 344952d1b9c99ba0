package dev.torchslim.report;

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

/** The demo's results: printed as a table, written as JSON {"stages":[...]}. */
public final class StageTable {
    private final List<StageResult> rows = new ArrayList<>();

    public void add(StageResult r) {
        rows.add(r);
    }

    public List<StageResult> rows() {
        return Collections.unmodifiableList(rows);
    }

    public static String header() {
        return String.format(Locale.ROOT, "%-24s %9s %11s %11s %12s %11s",
                "stage", "accuracy", "params", "nonzero", "size (B)", "latency ms");
    }

    public static String format(StageResult r) {
        return String.format(Locale.ROOT, "%-24s %8.2f%% %11d %11d %12d %11.3f",
                r.name(), 100 * r.accuracy(), r.params(), r.nonzeroParams(), r.sizeBytes(), r.latencyMs());
    }

    public void print(PrintStream out) {
        out.println(header());
        for (StageResult r : rows) {
            out.println(format(r));
        }
    }

    public String toJson() {
        StringBuilder s = new StringBuilder("{\"stages\":[");
        for (int i = 0; i < rows.size(); i++) {
            StageResult r = rows.get(i);
            if (i > 0) {
                s.append(',');
            }
            s.append(String.format(Locale.ROOT,
                    "{\"name\":%s,\"accuracy\":%.6f,\"params\":%d,\"nonzero_params\":%d,\"size_bytes\":%d,"
                            + "\"latency_ms\":%.6f}",
                    quote(r.name()), r.accuracy(), r.params(), r.nonzeroParams(), r.sizeBytes(), r.latencyMs()));
        }
        return s.append("]}\n").toString();
    }

    /** Writes the JSON through a temporary file and an atomic move: never half a file. */
    public void writeJson(Path file) throws IOException {
        String json = toJson();
        AtomicFiles.write(file, tmp -> Files.writeString(tmp, json, StandardCharsets.UTF_8));
    }

    static String quote(String v) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                default -> {
                    if (c < 0x20) {
                        s.append(String.format("\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        return s.append('"').toString();
    }
}
