package dev.torchslim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed and checked {@code compress} recipe: the input model, the default data, the optional
 * evaluation data, and the steps in order, each with its command-line options and its output file.
 * Relative paths are resolved against the recipe file's directory. Every check runs in
 * {@link #load}: a step kind, a field name, a field's type or range, a missing required field, a
 * missing input file or two steps writing one file each give a {@link RecipeException} naming the
 * step and the field.
 *
 * <pre>{@code
 * {"model": "resnet.pt", "data": "train.pt", "eval": "test.pt", "dir": "out", "report": "report.json",
 *  "steps": [{"step": "prune", "method": "channel", "amount": 0.5},
 *            {"step": "finetune", "epochs": 2},
 *            {"step": "quantize", "mode": "static", "out": "int8.pt"},
 *            {"step": "export", "input": "1,3,16,16", "out": "int8.onnx"}]}
 * }</pre>
 *
 * @param file the recipe file
 * @param model the input model
 * @param data the default training/calibration data, or null
 * @param eval the data each output is measured on, or null
 * @param report where the JSON report goes
 * @param steps the steps, in order
 */
public record Recipe(Path file, Path model, Path data, Path eval, Path report, List<Step> steps) {
    /** The step kinds, in the order the docs list them. */
    public static final List<String> KINDS = List.of("prune", "lowrank", "distill", "finetune", "quantize", "export");

    private static final Set<String> TOP = Set.of("model", "data", "eval", "dir", "report", "steps");
    private static final Set<String> QUANT_MODES = Set.of("dynamic", "static", "qat", "weight-int8", "weight-int4", "fp16", "bf16");
    private static final Set<String> PRUNE_METHODS = Set.of("l1", "l1-global", "random", "ln", "nm", "channel");

    /**
     * One step: its kind, the command it runs, its options as command-line arguments (without
     * --in/--out), the model it reads and the file it writes.
     *
     * @param index the 1-based step number
     * @param kind prune, lowrank, distill, finetune, quantize or export
     * @param options the command's options, e.g. ["--method", "l1", "--amount", "0.5"]
     * @param in the model the step reads (the previous step's output, or the recipe's model)
     * @param out the file the step writes
     */
    public record Step(int index, String kind, List<String> options, Path in, Path out) {
        /**
         * "step 2 (finetune)".
         *
         * @return the step's name in messages
         */
        public String label() {
            return "step " + index + " (" + kind + ")";
        }

        /**
         * Whether the step writes ONNX (export) rather than TorchScript.
         *
         * @return true for export
         */
        public boolean writesOnnx() {
            return kind.equals("export");
        }
    }

    private enum Type { NUMBER, INT, STRING, SWITCH, LIST }

    private record Field(Type type, double min, double max, Set<String> values) {
        static Field number(double min, double max) {
            return new Field(Type.NUMBER, min, max, null);
        }

        static Field integer(double min, double max) {
            return new Field(Type.INT, min, max, null);
        }

        static Field string() {
            return new Field(Type.STRING, 0, 0, null);
        }

        static Field oneOf(Set<String> values) {
            return new Field(Type.STRING, 0, 0, values);
        }

        static Field flag() {
            return new Field(Type.SWITCH, 0, 0, null);
        }

        static Field list() {
            return new Field(Type.LIST, 0, 0, null);
        }
    }

    private static Map<String, Field> fields(String kind, String method) {
        Map<String, Field> f = new LinkedHashMap<>();
        switch (kind) {
            case "prune" -> {
                f.put("method", Field.oneOf(PRUNE_METHODS));
                f.put("amount", Field.number(0, 1));
                f.put("seed", Field.integer(0, Long.MAX_VALUE));
                if ("channel".equals(method)) {
                    f.put("importance", Field.oneOf(Set.of("l1", "l2", "bn", "random", "taylor")));
                    f.put("ignore", Field.list());
                    f.put("batch", Field.list());
                    f.put("shape", Field.list());
                    f.put("data", Field.string());
                    f.put("threads", Field.integer(1, 1024));
                    f.put("runs", Field.integer(1, 100000));
                    f.put("speedup", Field.number(1, 1e6));
                    f.put("target-latency-ms", Field.number(0, 1e9));
                    f.put("lut-ratios", Field.list());
                    f.put("lut-runs", Field.integer(1, 100000));
                } else {
                    f.put("n", Field.string());
                    f.put("dim", Field.integer(0, 4));
                    f.put("nm", Field.string());
                    f.put("include", Field.oneOf(Set.of("embedding")));
                }
            }
            case "lowrank" -> {
                f.put("energy", Field.number(0, 1));
                f.put("budget", Field.number(0, 1));
                f.put("rank", Field.list());
                f.put("svd", Field.string());
                f.put("power-iterations", Field.integer(0, 100));
                f.put("seed", Field.integer(0, Long.MAX_VALUE));
            }
            case "distill" -> {
                f.put("teacher", Field.string());
                f.put("data", Field.string());
                f.put("temperature", Field.number(1e-6, 1e6));
                f.put("alpha", Field.number(0, 1));
                f.put("hint", Field.list());
                f.put("hint-loss", Field.oneOf(Set.of("mse", "at")));
                f.put("hint-weight", Field.number(0, 1e9));
                trainingFields(f);
            }
            case "finetune" -> {
                f.put("data", Field.string());
                f.put("loss", Field.oneOf(Set.of("ce", "nll", "mse")));
                f.put("no-keep-zeros", Field.flag());
                trainingFields(f);
            }
            case "quantize" -> {
                f.put("mode", Field.oneOf(QUANT_MODES));
                f.put("data", Field.string());
                f.put("calib", Field.integer(1, Integer.MAX_VALUE));
                f.put("batch", Field.integer(1, 1 << 20));
                f.put("observer", Field.oneOf(Set.of("minmax", "moving_average")));
                f.put("engine", Field.oneOf(Set.of("x86", "fbgemm", "qnnpack", "onednn")));
                f.put("keep-float", Field.list());
                f.put("min-agreement", Field.number(1e-9, 1));
                f.put("float-candidates", Field.list());
                f.put("loss", Field.oneOf(Set.of("ce", "nll", "mse")));
                f.put("epochs", Field.integer(1, 10_000));
                f.put("lr", Field.number(1e-12, 10));
                f.put("seed", Field.integer(0, Long.MAX_VALUE));
                f.put("group", Field.integer(1, 1 << 20));
                f.put("per-channel", Field.flag());
                f.put("per-tensor", Field.flag());
                f.put("cast-output", Field.flag());
            }
            case "export" -> {
                f.put("input", Field.string());
                f.put("opset", Field.integer(1, 1000));
                f.put("dynamic-batch", Field.flag());
                f.put("ids", Field.flag());
            }
            default -> throw new IllegalStateException(kind);
        }
        return f;
    }

    private static void trainingFields(Map<String, Field> f) {
        f.put("epochs", Field.integer(1, 10_000));
        f.put("batch", Field.integer(1, 1 << 20));
        f.put("lr", Field.number(1e-12, 10));
        f.put("seed", Field.integer(0, Integer.MAX_VALUE));
    }

    /**
     * Reads and checks a recipe; nothing is written.
     *
     * @param file the recipe (JSON)
     * @return the checked recipe
     * @throws RecipeException naming the step and field at fault
     */
    public static Recipe load(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new RecipeException(file + ": cannot read the recipe: " + e.getMessage().split("\n")[0], 0, null);
        }
        if (root == null || !root.isObject()) {
            throw new RecipeException(file + ": a recipe is a JSON object with 'model' and 'steps'", 0, null);
        }
        Path base = file.toAbsolutePath().getParent();
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (!TOP.contains(name)) {
                throw new RecipeException(file + ": unknown field '" + name + "' (a recipe has " + String.join(", ",
                        List.of("model", "data", "eval", "dir", "report", "steps")) + ")", 0, name);
            }
        }
        Path model = existing(file, base, root, "model", true, 0);
        Path data = existing(file, base, root, "data", false, 0);
        Path eval = existing(file, base, root, "eval", false, 0);
        Path dir = root.has("dir") ? base.resolve(text(file, root, "dir", 0)) : base;
        if (!Files.isDirectory(dir)) {
            throw new RecipeException(file + ": 'dir' " + dir + " is not a directory", 0, "dir");
        }
        String stem = model.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Path report = root.has("report") ? dir.resolve(text(file, root, "report", 0)) : dir.resolve(stem + ".report.json");
        JsonNode steps = root.get("steps");
        if (steps == null || !steps.isArray() || steps.isEmpty()) {
            throw new RecipeException(file + ": 'steps' must be a non-empty list of steps", 0, "steps");
        }
        List<Step> out = new ArrayList<>();
        Set<Path> written = new HashSet<>();
        written.add(report.normalize());
        Path current = model;
        for (int i = 0; i < steps.size(); i++) {
            Step s = step(file, base, dir, stem, steps.get(i), i + 1, current, model, data);
            Path o = s.out().normalize();
            if (o.equals(model.normalize()) || (data != null && o.equals(data.normalize()))
                    || (eval != null && o.equals(eval.normalize()))) {
                throw new RecipeException(file + ": " + s.label() + ": field 'out' names an input of the recipe: " + o,
                        s.index(), "out");
            }
            if (!written.add(o)) {
                throw new RecipeException(file + ": " + s.label() + ": field 'out' " + o
                        + " is written by another step or is the report", s.index(), "out");
            }
            out.add(s);
            if (!s.writesOnnx()) {
                current = s.out();
            }
        }
        return new Recipe(file, model, data, eval, report, List.copyOf(out));
    }

    private static Step step(Path file, Path base, Path dir, String stem, JsonNode node, int index, Path in, Path model,
            Path data) {
        if (!node.isObject()) {
            throw new RecipeException(file + ": step " + index + " must be an object with a 'step' field", index, null);
        }
        JsonNode k = node.get("step");
        if (k == null || !k.isTextual() || !KINDS.contains(k.asText())) {
            throw new RecipeException(file + ": step " + index + ": field 'step' must be one of " + String.join(", ", KINDS)
                    + (k == null ? "" : ", got " + k), index, "step");
        }
        String kind = k.asText();
        String label = file + ": step " + index + " (" + kind + ")";
        String method = node.has("method") ? node.get("method").asText() : null;
        Map<String, Field> allowed = fields(kind, method);
        List<String> options = new ArrayList<>();
        Path out = null;
        Map<String, String> given = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("step")) {
                continue;
            }
            if (name.equals("out")) {
                if (!v.isTextual() || v.asText().isBlank()) {
                    throw new RecipeException(label + ": field 'out' must be a file name", index, "out");
                }
                out = dir.resolve(v.asText());
                continue;
            }
            Field f = allowed.get(name);
            if (f == null) {
                throw new RecipeException(label + ": unknown field '" + name + "' (allowed: step, out, "
                        + String.join(", ", allowed.keySet()) + ")", index, name);
            }
            String value = value(label, index, name, f, v);
            if (f.type() == Type.SWITCH) {
                if (value != null) {
                    options.add("--" + name);
                }
                continue;
            }
            if (name.equals("data") || name.equals("teacher")) {
                Path p = base.resolve(value);
                if (!Files.isRegularFile(p)) {
                    throw new RecipeException(label + ": field '" + name + "': " + p + " is not a file", index, name);
                }
                value = p.toString();
            }
            given.put(name, value);
        }
        require(label, index, kind, given, data, model);
        for (Map.Entry<String, String> e : given.entrySet()) {
            options.add("--" + e.getKey());
            options.add(e.getValue());
        }
        if (out == null) {
            out = dir.resolve(stem + "." + index + "-" + kind + (kind.equals("export") ? ".onnx" : ".pt"));
        }
        if (kind.equals("export") != out.getFileName().toString().endsWith(".onnx")) {
            throw new RecipeException(label + ": field 'out' " + out.getFileName() + (kind.equals("export")
                    ? ": export writes an .onnx file" : ": this step writes TorchScript; name it .pt, not .onnx"), index, "out");
        }
        if (!Files.isDirectory(out.toAbsolutePath().getParent())) {
            throw new RecipeException(label + ": field 'out': the directory of " + out + " does not exist", index, "out");
        }
        return new Step(index, kind, List.copyOf(options), in, out);
    }

    // Required fields, and the recipe's defaults for data (and the teacher of distill: the recipe's model).
    private static void require(String label, int index, String kind, Map<String, String> given, Path data, Path model) {
        switch (kind) {
            case "prune" -> {
                String method = given.get("method");
                if (method == null) {
                    throw new RecipeException(label + ": field 'method' is required (" + String.join(", ",
                            new java.util.TreeSet<>(PRUNE_METHODS)) + ")", index, "method");
                }
                if (!method.equals("nm") && !given.containsKey("amount")) {
                    throw new RecipeException(label + ": field 'amount' is required (a fraction in [0, 1])", index, "amount");
                }
                if (method.equals("channel") && !given.containsKey("shape") && !given.containsKey("data")) {
                    defaultData(label, index, given, data, "an example input (or 'shape')");
                }
            }
            case "lowrank" -> {
                int n = (given.containsKey("energy") ? 1 : 0) + (given.containsKey("budget") ? 1 : 0)
                        + (given.containsKey("rank") ? 1 : 0);
                if (n != 1) {
                    throw new RecipeException(label + ": give exactly one of the fields 'energy', 'budget', 'rank'", index,
                            "energy");
                }
            }
            case "distill" -> {
                defaultData(label, index, given, data, "training data");
                given.putIfAbsent("teacher", model.toString());
                if (given.containsKey("hint-loss") || given.containsKey("hint-weight")) {
                    if (!given.containsKey("hint")) {
                        throw new RecipeException(label + ": fields 'hint-loss' and 'hint-weight' need the field 'hint'", index,
                                "hint");
                    }
                }
                if (given.containsKey("hint")) {
                    try {
                        dev.torchslim.distill.Hint.parse(given.get("hint"));
                    } catch (IllegalArgumentException e) {
                        throw new RecipeException(label + ": field 'hint': " + e.getMessage(), index, "hint");
                    }
                }
            }
            case "finetune" -> defaultData(label, index, given, data, "training data");
            case "quantize" -> {
                String mode = given.get("mode");
                if (mode == null) {
                    throw new RecipeException(label + ": field 'mode' is required (" + String.join(", ",
                            new java.util.TreeSet<>(QUANT_MODES)) + ")", index, "mode");
                }
                if (mode.equals("static") || mode.equals("qat")) {
                    defaultData(label, index, given, data, mode.equals("qat") ? "training data" : "calibration data");
                }
            }
            default -> { }
        }
    }

    private static void defaultData(String label, int index, Map<String, String> given, Path data, String what) {
        if (!given.containsKey("data")) {
            if (data == null) {
                throw new RecipeException(label + ": field 'data' is required (" + what
                        + "), or give the recipe's top-level 'data'", index, "data");
            }
            given.put("data", data.toString());
        }
    }

    private static String value(String label, int index, String name, Field f, JsonNode v) {
        String where = label + ": field '" + name + "'";
        switch (f.type()) {
            case SWITCH -> {
                if (!v.isBoolean()) {
                    throw new RecipeException(where + " must be true or false, got " + v, index, name);
                }
                return v.asBoolean() ? "true" : null;
            }
            case NUMBER, INT -> {
                if (!v.isNumber()) {
                    throw new RecipeException(where + " must be a number, got " + v, index, name);
                }
                double d = v.asDouble();
                if (f.type() == Type.INT && (!v.canConvertToExactIntegral() || d != Math.rint(d))) {
                    throw new RecipeException(where + " must be a whole number, got " + v, index, name);
                }
                if (!(d >= f.min() && d <= f.max())) {
                    throw new RecipeException(where + " must be in [" + fmt(f.min()) + ", " + fmt(f.max()) + "], got " + v,
                            index, name);
                }
                return f.type() == Type.INT ? Long.toString(v.asLong()) : v.asText();
            }
            case LIST -> {
                if (v.isArray()) {
                    List<String> items = new ArrayList<>();
                    for (JsonNode e : v) {
                        if (!e.isValueNode() || e.isNull()) {
                            throw new RecipeException(where + " must be a list of strings or numbers, got " + v, index, name);
                        }
                        items.add(e.asText());
                    }
                    if (items.isEmpty()) {
                        throw new RecipeException(where + " must not be empty", index, name);
                    }
                    return String.join(",", items);
                }
                if (!v.isTextual() && !v.isNumber()) {
                    throw new RecipeException(where + " must be a string or a list, got " + v, index, name);
                }
                return v.asText();
            }
            default -> {
                if (!v.isTextual() || v.asText().isBlank()) {
                    throw new RecipeException(where + " must be a non-empty string, got " + v, index, name);
                }
                if (f.values() != null && !f.values().contains(v.asText())) {
                    throw new RecipeException(where + " must be one of " + String.join(", ", new java.util.TreeSet<>(f.values()))
                            + ", got " + v, index, name);
                }
                return v.asText();
            }
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static Path existing(Path file, Path base, JsonNode root, String name, boolean required, int index) {
        if (!root.has(name)) {
            if (required) {
                throw new RecipeException(file + ": field '" + name + "' is required", index, name);
            }
            return null;
        }
        Path p = base.resolve(text(file, root, name, index));
        if (!Files.isRegularFile(p)) {
            throw new RecipeException(file + ": field '" + name + "': " + p + " is not a file", index, name);
        }
        return p;
    }

    private static String text(Path file, JsonNode root, String name, int index) {
        JsonNode v = root.get(name);
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new RecipeException(file + ": field '" + name + "' must be a file name, got " + v, index, name);
        }
        return v.asText();
    }
}
