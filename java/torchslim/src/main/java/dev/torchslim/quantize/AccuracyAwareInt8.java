package dev.torchslim.quantize;

import dev.torchslim.core.TensorScope;
import dev.torchslim.graph.ScriptModel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRef;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Static int8 with a floor on top-1 agreement with the fp32 model, in the manner of Intel Neural
 * Compressor's accuracy-driven tuning: quantize everything; if the int8 model's top-1 class agrees
 * with the fp32 model's on fewer than {@code minAgreement} of the check rows, measure each candidate
 * block's sensitivity (the agreement with only that block kept in float), then keep blocks in float,
 * most sensitive first, until the agreement holds; then narrow the choice: each chosen block goes back
 * into int8 if the floor holds without it, and one that must stay is split into its sub-blocks (its
 * children, containers opened, that hold a Conv or Linear: an MBConv's expand, depthwise,
 * squeeze-excitation and project parts), each put back into int8 where the floor holds. Costs one
 * static int8 per candidate, one per block kept in float, and one per narrowing attempt.
 *
 * <p>Candidates by default are the model's blocks: the root's children, with {@code Sequential},
 * {@code ModuleList} and {@code ModuleDict} containers opened, that hold a Conv or Linear (ResNet's
 * {@code layer1.0}, EfficientNet's {@code features.2.1} MBConv, {@code classifier.1}); or given as
 * paths, {@code *} patterns or class names (see {@link Quantize#keepFloatPaths}), each match one
 * candidate.
 */
public final class AccuracyAwareInt8 {
    private static final Logger LOG = LoggerFactory.getLogger(AccuracyAwareInt8.class);
    private static final Set<String> CONTAINERS = Set.of("Sequential", "ModuleList", "ModuleDict");

    private AccuracyAwareInt8() {}

    /**
     * The outcome.
     *
     * @param model the int8 model (the caller closes it)
     * @param keptFloat module paths left in float (the fixed ones first, then those the search chose)
     * @param agreement its top-1 agreement with the fp32 model on the check rows
     * @param fullInt8Agreement the agreement with only the fixed modules in float
     * @param sensitivity agreement with each candidate alone kept in float, most sensitive first (empty
     *     when full int8 already met the floor)
     * @param trials static int8 conversions made
     * @param met whether {@code agreement >= minAgreement}; if not, the model is the best one tried
     */
    public record Result(ScriptModel model, List<String> keptFloat, double agreement, double fullInt8Agreement,
            Map<String, Double> sensitivity, int trials, boolean met) {}

    /**
     * Static int8 that keeps the fewest blocks in float for top-1 agreement of at least minAgreement.
     *
     * @param model the float model (left unchanged)
     * @param config observer, per-channel and engine settings
     * @param calibration input batches for the observers
     * @param check input batches the agreement is measured on
     * @param minAgreement the floor, in (0, 1]
     * @param keepFloat modules always left in float (may be empty)
     * @param candidates blocks the search may leave in float; null or empty: the model's blocks
     * @return the int8 model and how it was found
     */
    public static Result apply(ScriptModel model, Int8StaticConfig config, List<Tensor> calibration, List<Tensor> check,
            double minAgreement, Collection<String> keepFloat, Collection<String> candidates) {
        if (!(minAgreement > 0 && minAgreement <= 1)) {
            throw new IllegalArgumentException("minimum top-1 agreement must be in (0, 1], got " + minAgreement);
        }
        if (check == null || check.isEmpty()) {
            throw new IllegalArgumentException("the agreement needs at least one batch of check rows");
        }
        List<String> fixed = Quantize.keepFloatPaths(model, keepFloat);
        List<String> pool = candidates == null || candidates.isEmpty() ? blocks(model)
                : Quantize.keepFloatPaths(model, candidates);
        pool.removeIf(c -> fixed.stream().anyMatch(f -> c.equals(f) || c.startsWith(f + ".")));
        try (TensorScope scope = new TensorScope()) {
            Tensor want = scope.detach(top1(model, check));
            int[] trials = {0};
            Trial best = trial(model, config, calibration, check, want, fixed, trials);
            double full = best.agreement;
            LOG.info("int8 top-1 agreement with fp32: {} (floor {})", full, minAgreement);
            Map<String, Double> sensitivity = new LinkedHashMap<>();
            if (full >= minAgreement) {
                return new Result(best.model, fixed, full, full, sensitivity, trials[0], true);
            }
            best.model.close();
            Map<String, Double> measured = new LinkedHashMap<>();
            for (String c : pool) {
                Trial t = trial(model, config, calibration, check, want, concat(fixed, List.of(c)), trials);
                t.model.close();
                measured.put(c, t.agreement);
                LOG.info("  {} kept in float: agreement {}", c, t.agreement);
            }
            measured.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                    .forEachOrdered(e -> sensitivity.put(e.getKey(), e.getValue()));
            List<String> chosen = new ArrayList<>(fixed);
            List<String> bestFloat = fixed;
            Trial current = null;
            for (String c : sensitivity.keySet()) {
                chosen.add(c);
                Trial t;
                try {
                    t = trial(model, config, calibration, check, want, chosen, trials);
                } catch (RuntimeException e) {
                    if (chosen.size() < fixed.size() + sensitivity.size()) {
                        throw e;
                    }
                    // every candidate in float can leave nothing to quantize
                    LOG.info("  every candidate in float: {}", e.getMessage());
                    break;
                }
                LOG.info("  float {}: agreement {}", chosen, t.agreement);
                if (current == null || t.agreement > current.agreement) {
                    if (current != null) {
                        current.model.close();
                    }
                    current = t;
                    bestFloat = List.copyOf(chosen);
                } else {
                    t.model.close();
                }
                if (current.agreement >= minAgreement) {
                    break;
                }
            }
            if (current == null) {
                current = trial(model, config, calibration, check, want, fixed, trials);
            }
            if (current.agreement >= minAgreement) {
                Narrowed n = narrow(model, config, calibration, check, want, minAgreement, fixed, bestFloat, current,
                        trials);
                current = n.trial;
                bestFloat = n.keptFloat;
            }
            return new Result(current.model, bestFloat, current.agreement, full, sensitivity, trials[0],
                    current.agreement >= minAgreement);
        }
    }

    private record Narrowed(Trial trial, List<String> keptFloat) {}

    /**
     * The greedy pass keeps whole blocks in float, most sensitive first, and may keep more than the floor needs.
     * Each block it chose, the last chosen first, is put back into int8 if the floor still holds without it; a block
     * that must stay and has two or more sub-blocks (its children, containers opened, that hold a Conv or Linear) is
     * replaced by them, and each of those is put back into int8 in turn where the floor holds. The fixed modules are
     * never touched. One static int8 per attempt.
     */
    private static Narrowed narrow(ScriptModel model, Int8StaticConfig config, List<Tensor> calibration,
            List<Tensor> check, Tensor want, double minAgreement, List<String> fixed, List<String> chosen, Trial met,
            int[] trials) {
        List<String> kept = new ArrayList<>(chosen);
        Trial best = met;
        List<String> order = new ArrayList<>(chosen.subList(fixed.size(), chosen.size()));
        java.util.Collections.reverse(order);
        for (String block : order) {
            Trial t = without(model, config, calibration, check, want, minAgreement, kept, block, trials);
            List<String> parts = t == null ? subBlocks(model, block) : List.of();
            if (t != null) {
                best = replace(best, t);
                kept.remove(block);
            } else if (parts.size() >= 2) {
                List<String> split = new ArrayList<>(kept);
                split.addAll(split.indexOf(block), parts);
                split.remove(block);
                for (String part : parts) {
                    Trial p = without(model, config, calibration, check, want, minAgreement, split, part, trials);
                    if (p != null) {
                        best = replace(best, p);
                        split.remove(part);
                        kept = split;
                    }
                }
            }
        }
        LOG.info("  narrowed to float {}: agreement {}", kept, best.agreement);
        return new Narrowed(best, List.copyOf(kept));
    }

    /** Closes the previous best trial's model and returns the new one. */
    private static Trial replace(Trial previous, Trial better) {
        previous.model.close();
        return better;
    }

    /**
     * The trial with path put back into int8, if it keeps the floor; null if not (its model closed) or if LibTorch's
     * passes refuse that split (a scripted module's sibling of the same class left in float: "... is not compatible
     * with the type ...").
     */
    private static Trial without(ScriptModel model, Int8StaticConfig config, List<Tensor> calibration, List<Tensor> check,
            Tensor want, double minAgreement, List<String> kept, String path, int[] trials) {
        List<String> rest = new ArrayList<>(kept);
        rest.remove(path);
        Trial t;
        try {
            t = trial(model, config, calibration, check, want, rest, trials);
        } catch (RuntimeException e) {
            LOG.info("  {} back in int8: not possible ({})", path, e.getMessage());
            return null;
        }
        LOG.info("  {} back in int8: agreement {}", path, t.agreement);
        if (t.agreement >= minAgreement) {
            return t;
        }
        t.model.close();
        return null;
    }

    /**
     * The sub-blocks of a module: its children, containers opened, that hold a Conv or Linear.
     *
     * @param model the model
     * @param path a module path
     * @return sub-block paths, in module order (empty for a leaf)
     */
    public static List<String> subBlocks(ScriptModel model, String path) {
        Map<String, String> modules = model.modules();
        List<String> out = new ArrayList<>();
        for (String p : modules.keySet()) {
            if (!p.startsWith(path + ".") || !openedBelow(modules, parent(p), path)) {
                continue;
            }
            if (!CONTAINERS.contains(Quantize.simpleName(modules.get(p))) && weighted(modules, p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Whether every module from path up to (not including) root is a container; true for root itself. */
    private static boolean openedBelow(Map<String, String> modules, String path, String root) {
        for (String p = path; !p.equals(root); p = parent(p)) {
            if (p.isEmpty() || !CONTAINERS.contains(Quantize.simpleName(modules.get(p)))) {
                return false;
            }
        }
        return true;
    }

    private static boolean weighted(Map<String, String> modules, String path) {
        return modules.entrySet().stream().anyMatch(e -> (e.getKey().equals(path) || e.getKey().startsWith(path + "."))
                && isWeighted(Quantize.simpleName(e.getValue())));
    }

    /**
     * The default candidates: the root's children, containers opened, that hold a Conv or Linear.
     *
     * @param model the model
     * @return block paths, in module order
     */
    public static List<String> blocks(ScriptModel model) {
        Map<String, String> modules = model.modules();
        List<String> out = new ArrayList<>();
        for (String path : modules.keySet()) {
            if (path.isEmpty() || !openedBelow(modules, parent(path), "")) {
                continue;
            }
            boolean container = CONTAINERS.contains(Quantize.simpleName(modules.get(path)));
            if (!container && weighted(modules, path)) {
                out.add(path);
            }
        }
        return out;
    }

    private static boolean isWeighted(String type) {
        return type.matches("Conv[123]d|Linear");
    }

    private static String parent(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private record Trial(ScriptModel model, double agreement) {}

    private static Trial trial(ScriptModel model, Int8StaticConfig config, List<Tensor> calibration, List<Tensor> check,
            Tensor want, List<String> keepFloat, int[] trials) {
        ScriptModel q = Quantize.apply(model, config, calibration, keepFloat);
        trials[0]++;
        try (TensorScope scope = new TensorScope()) {
            Tensor got = top1(q, check);
            return new Trial(q, got.eq(want).to(torch.ScalarType.Float).mean().item_double());
        } catch (RuntimeException e) {
            q.close();
            throw e;
        }
    }

    private static Tensor top1(ScriptModel m, List<Tensor> batches) {
        Tensor[] parts = new Tensor[batches.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = m.forward(batches.get(i)).argmax(new LongOptional(1), false);
        }
        return torch.cat(new TensorArrayRef(new TensorVector(parts)), 0);
    }
}
