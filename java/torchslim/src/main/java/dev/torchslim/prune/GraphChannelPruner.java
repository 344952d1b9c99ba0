package dev.torchslim.prune;

import dev.torchslim.graph.ScriptModel;
import dev.torchslim.jni.NativeScriptModel;
import dev.torchslim.jni.StructuralApi;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Structural channel pruning of any TorchScript model (Torch-Pruning's DepGraph on TorchScript IR):
 * the native dependency graph finds the groups of coupled channels (residual adds, concat, depthwise
 * convs, norms, flatten, attention heads), an importance ranks each group's units, and the chosen
 * channels leave every parameter, buffer and shape constant that holds them. The result is a
 * smaller TorchScript model in eval form (forward inlined, training flag folded) that Python loads.
 */
public final class GraphChannelPruner {
    /** A group of channels that leave together: units (a channel, or a whole attention head) of width. */
    public record Group(int id, int units, int width, List<String> layers) {}

    /** Channels that cannot leave, counted per reason (model input/output, an op without a handler). */
    public record Fixed(long channels, String reason) {}

    /** The analysis of one model. */
    public record Analysis(List<Group> groups, List<Fixed> fixed) {}

    /**
     * One changed parameter or buffer.
     *
     * @param name its name in the model (module path + parameter name)
     * @param before its shape before removal
     * @param after its shape after removal
     */
    public record ParamChange(String name, List<Long> before, List<Long> after) {
        /**
         * Copies the shapes.
         *
         * @param name its name in the model (module path + parameter name)
         * @param before its shape before removal
         * @param after its shape after removal
         */
        public ParamChange {
            before = List.copyOf(before);
            after = List.copyOf(after);
        }

        /**
         * One line: name and shapes.
         *
         * @return e.g. {@code "fc1.weight: 50x320 -> 25x160"}
         */
        @Override
        public String toString() {
            return name + ": " + Shapes.text(before) + " -> " + Shapes.text(after);
        }
    }

    /**
     * Options: importance (l1, l2, bn, random, taylor), default ratio amount, per-group ratios by
     * group id, ignored module names (a group touching one keeps its channels), random seed.
     *
     * @param importance the importance criterion
     * @param amount the ratio of units each group loses when {@code ratios} names no ratio for it
     * @param ratios ratios by group id, overriding {@code amount}
     * @param ignore module names whose groups keep all their channels
     * @param seed the seed of the random importance
     */
    public record Options(Importance importance, double amount, Map<Integer, Double> ratios, List<String> ignore,
            long seed) {
        /**
         * Checks the ratios; null ratios or ignore become empty.
         *
         * @param importance the importance criterion
         * @param amount the default ratio, in [0, 1]
         * @param ratios ratios by group id, each in [0, 1]
         * @param ignore module names whose groups keep all their channels
         * @param seed the seed of the random importance
         * @throws IllegalArgumentException if the criterion is null or a ratio out of range
         */
        public Options {
            if (importance == null) {
                throw new IllegalArgumentException("importance must not be null");
            }
            Amounts.check(amount);
            ratios = Map.copyOf(ratios == null ? Map.of() : ratios);
            for (double r : ratios.values()) {
                Amounts.check(r);
            }
            ignore = List.copyOf(ignore == null ? List.of() : ignore);
        }

        /**
         * Options with one ratio for every group, nothing ignored, seed 0.
         *
         * @param importance the importance criterion
         * @param amount the ratio of units each group loses
         * @return the options
         */
        public static Options of(Importance importance, double amount) {
            return new Options(importance, amount, Map.of(), List.of(), 0);
        }

        /**
         * These options with other per-group ratios.
         *
         * @param r ratios by group id
         * @return the new options
         */
        public Options withRatios(Map<Integer, Double> r) {
            return new Options(importance, amount, r, ignore, seed);
        }

        /**
         * These options with other ignored module names.
         *
         * @param names module names whose groups keep all their channels
         * @return the new options
         */
        public Options withIgnore(List<String> names) {
            return new Options(importance, amount, ratios, names, seed);
        }
    }

    /**
     * A model input whose channels (features) left with a group: the pruned forward starts by
     * selecting the kept ones, so callers still pass the original shape.
     *
     * @param name {@code "input.0"} for the forward's first argument (the name {@code --ignore} takes)
     * @param dim the dimension of the input that holds the channels
     * @param before the channels the model read before
     * @param after the channels it reads now
     */
    public record InputSelection(String name, int dim, long before, long after) {
        /**
         * One line.
         *
         * @return e.g. {@code "input.0 dim 2: 128 -> 64 channels read"}
         */
        @Override
        public String toString() {
            return name + " dim " + dim + ": " + before + " -> " + after + " channels read";
        }
    }

    /**
     * The pruned model, what changed, each group's units before and after, and the model inputs
     * read in part.
     *
     * @param model the pruned model
     * @param changes the parameters and buffers whose shape changed
     * @param unitsBeforeAfter units before and after by group id
     * @param inputs model inputs whose channels left (empty for most models: an image's channels stay)
     */
    public record Result(ScriptModel model, List<ParamChange> changes, Map<Integer, int[]> unitsBeforeAfter,
            List<InputSelection> inputs) {}

    private GraphChannelPruner() {}

    /**
     * The channel groups of model run on inputs (one example batch, for the shapes).
     *
     * @param model the model
     * @param inputs one example tensor per forward argument
     * @return the groups and the channels that cannot leave
     */
    public static Analysis analyse(ScriptModel model, List<Tensor> inputs) {
        check(model, inputs);
        String text;
        try (ScriptModel.Use use = model.use(); TensorVector in = vector(inputs)) {
            text = StructuralApi.channel_groups(model.handle(), in);
        }
        List<Group> groups = new ArrayList<>();
        List<Fixed> fixed = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f[0].equals("fixed")) {
                fixed.add(new Fixed(Long.parseLong(f[1]), f[2]));
            } else {
                groups.add(new Group(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        f[3].isEmpty() ? List.of() : List.of(f[3].split(","))));
            }
        }
        return new Analysis(List.copyOf(groups), List.copyOf(fixed));
    }

    /**
     * Importance of each unit of each group (group id -> scores in unit order).
     *
     * @param model the model
     * @param inputs one example tensor per forward argument
     * @param targets class indices of the inputs' rows, needed only for taylor importance (else null)
     * @param importance the criterion
     * @param seed the seed of the random importance
     * @return scores by group id, in unit order
     */
    public static Map<Integer, double[]> importance(ScriptModel model, List<Tensor> inputs, Tensor targets,
            Importance importance, long seed) {
        if (importance == null) {
            throw new IllegalArgumentException("importance must not be null");
        }
        check(model, inputs);
        String text;
        try (ScriptModel.Use use = model.use(); TensorVector in = vector(inputs)) {
            text = StructuralApi.channel_importance(model.handle(), in, targets == null ? new Tensor() : targets,
                    importance.id(), seed);
        }
        Map<Integer, double[]> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            String[] v = f[1].isEmpty() ? new String[0] : f[1].split(",");
            double[] s = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                s[i] = Double.parseDouble(v[i]);
            }
            out.put(Integer.parseInt(f[0]), s);
        }
        return out;
    }

    /**
     * Removes channels; targets (class indices) are needed only for taylor importance.
     *
     * @param model the model, left unchanged
     * @param inputs one example tensor per forward argument
     * @param targets class indices of the inputs' rows, or null
     * @param o what to remove
     * @return the pruned model (a new one to close), the changed tensors and the units per group
     */
    public static Result prune(ScriptModel model, List<Tensor> inputs, Tensor targets, Options o) {
        return run(model, inputs, targets, o, false);
    }

    /**
     * The same choice of channels as prune, zeroed in place of removed (every shape kept): the
     * reference of the removal invariant.
     *
     * @param model the model, left unchanged
     * @param inputs one example tensor per forward argument
     * @param targets class indices of the inputs' rows, or null
     * @param o what to zero
     * @return a new model with the chosen channels zeroed
     */
    public static ScriptModel zeroChosen(ScriptModel model, List<Tensor> inputs, Tensor targets, Options o) {
        return run(model, inputs, targets, o, true).model();
    }

    private static Result run(ScriptModel model, List<Tensor> inputs, Tensor targets, Options o, boolean zero) {
        check(model, inputs);
        if (o == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        StringBuilder ratios = new StringBuilder();
        o.ratios().forEach((id, r) -> ratios.append(id).append('=').append(r).append(';'));
        NativeScriptModel out = ScriptModel.newNative();
        String text;
        try (ScriptModel.Use use = model.use(); TensorVector in = vector(inputs)) {
            text = StructuralApi.prune_channels(out, model.handle(), in, targets == null ? new Tensor() : targets,
                    o.importance().id(), o.amount(), ratios.toString(), String.join(",", o.ignore()), o.seed(), zero);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        List<ParamChange> changes = new ArrayList<>();
        List<InputSelection> selections = new ArrayList<>();
        Map<Integer, int[]> units = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f[0].equals("group")) {
                units.put(Integer.parseInt(f[1]), new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])});
            } else if (f[0].equals("input")) {
                selections.add(new InputSelection(f[1], Integer.parseInt(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4])));
            } else {
                changes.add(new ParamChange(f[0], Shapes.parse(f[1]), Shapes.parse(f[2])));
            }
        }
        return new Result(ScriptModel.adopt(out), List.copyOf(changes), units, List.copyOf(selections));
    }

    private static void check(ScriptModel model, List<Tensor> inputs) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("one example input per forward argument is needed (for the shapes)");
        }
    }

    private static TensorVector vector(List<Tensor> inputs) {
        return new TensorVector(inputs.toArray(new Tensor[0]));
    }
}
