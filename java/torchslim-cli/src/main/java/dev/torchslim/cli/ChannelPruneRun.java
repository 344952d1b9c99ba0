package dev.torchslim.cli;

import dev.torchslim.core.ModelFiles;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.OutputFiles;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.prune.ChannelSensitivity;
import dev.torchslim.prune.GraphChannelPruner;
import dev.torchslim.prune.Importance;
import dev.torchslim.prune.LatencyRatios;
import dev.torchslim.prune.LatencyTable;
import dev.torchslim.sensitivity.DataLoss;
import dev.torchslim.train.Loss;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ./torchslim prune --method channel: structural pruning of any TorchScript file through the channel
 * dependency graph. Prints each layer's shape before/after, parameters before/after and the
 * latency of the dense and pruned models measured interleaved at each --batch on --threads threads.
 */
final class ChannelPruneRun {
    static final Set<String> VALUED = Set.of("in", "out", "method", "amount", "importance", "ignore", "batch",
            "shape", "data", "json", "threads", "seed", "runs", "speedup", "target-latency-ms", "lut-ratios", "lut-runs",
            "budget", "ratios", "loss");
    static final String USAGE = String.join("\n",
            "  --method channel: removes channels (filters, features, attention heads) through a channel dependency",
            "    graph of the forward (residual adds, concat, depthwise convs, norms, flatten, attention); the output",
            "    is a smaller TorchScript file in eval form Python runs with the original input shape.",
            "    --amount R (per group) --importance l1|l2|bn|random|taylor --ignore fc,classifier",
            "    (a residual stream that starts at the input, as in an encoder fed features, leaves by reading only",
            "    the kept input features; --ignore input.0 keeps them)",
            "    --shape 3,96,96 (random example input) or --data FILE (.pt {'x','y'} or .npy; taylor needs y)",
            "    --batch 1,32 (latency batches; the first shapes the analysis) --threads 2 --runs 20 --json FILE",
            "    --speedup 2.0 | --target-latency-ms T: per-group ratios from a latency table measured here (each",
            "    group pruned alone at --lut-ratios 0.25,0.5,0.75, --lut-runs 5, at the first batch and --threads),",
            "    chosen greedily by least importance removed per ms saved; prints predicted and measured latency",
            "    --budget F --data FILE: sensitivity analysis (each group pruned alone at --ratios 0.2,0.4,0.6,0.8, its",
            "    loss on all of FILE's rows, --loss ce|nll|mse) then AIMET's greedy per-group ratios keeping at most F of",
            "    the model's parameters with the least loss; prints the table, and the loss of the greedy choice beside",
            "    the uniform ratio's (the smallest ratio meeting the budget in every group)");

    private ChannelPruneRun() {}

    static int run(Args args) throws IOException {
        Path in = Path.of(args.require("in"));
        Path out = Path.of(args.require("out"));
        double amount = args.doubleValue("amount", 0.5, 0, 1);
        Importance importance;
        try {
            importance = Importance.of(args.get("importance", "l1"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + e.getMessage());
        }
        List<String> ignore = args.get("ignore", "").isEmpty() ? List.of() : List.of(args.get("ignore", "").split(","));
        int[] batches = parseInts(args.get("batch", "1"), "--batch");
        int threads = args.intValue("threads", 2, 1, 1024);
        int runs = args.intValue("runs", 20, 1, 100000);
        long seed = args.longValue("seed", 0, 0, Long.MAX_VALUE);
        if (args.get("shape", null) == null && args.get("data", null) == null) {
            throw new UsageException("--method channel needs an example input: --shape C,H,W (random) or --data FILE");
        }
        OutputFiles.check(in, out, args.flag("force"));
        JsonReport json = JsonReport.of(args, "prune", in, out);
        ModelFiles.requireTorchScript(in);
        NativeLibrary.ensureLoaded();
        TorchSlim.setNumThreads(threads);
        TensorData data = args.get("data", null) == null ? null : TensorData.load(Path.of(args.get("data", null)));
        int[] shape = data == null ? parseInts(args.get("shape", null), "--shape") : null;

        try (ScriptModel model = ScriptModel.load(in)) {
            model.eval();
            Tensor example = batch(data, shape, batches[0]);
            Tensor targets = data != null && data.hasTargets() ? data.y().narrow(0, 0, Math.min(data.size(), 64)) : null;
            Tensor taylorInput = targets != null ? data.x().narrow(0, 0, Math.min(data.size(), 64)) : example;
            GraphChannelPruner.Analysis analysis = GraphChannelPruner.analyse(model, List.of(example));
            GraphChannelPruner.Options o = new GraphChannelPruner.Options(importance, amount, Map.of(), ignore, seed);
            double predictedMs = -1;
            double targetMs = -1;
            Map<String, Object> sensitivityJson = null;
            if (args.get("budget", null) != null) {
                if (args.get("speedup", null) != null || args.get("target-latency-ms", null) != null) {
                    throw new UsageException("give --budget or --speedup/--target-latency-ms, not both");
                }
                if (data == null || !data.hasTargets()) {
                    throw new UsageException("--budget needs --data FILE with targets (torch.save({'x': X, 'y': Y}, FILE)):"
                            + " the loss of each candidate is measured on it");
                }
                double budget = args.doubleValue("budget", 0.5, Double.MIN_VALUE, 1);
                if (budget >= 1) {
                    throw new UsageException("--budget must be below 1, got " + budget);
                }
                double[] ratios = parseRatios(args.get("ratios", "0.2,0.4,0.6,0.8"));
                Loss loss;
                try {
                    loss = Loss.parse(args.get("loss", "ce"));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--loss: " + e.getMessage());
                }
                Tensor shapeInput = importance == Importance.TAYLOR ? taylorInput : example;
                ChannelSensitivity.Table table = ChannelSensitivity.measure(model, shapeInput, targets, o, data, loss,
                        ratios, 64);
                ChannelSensitivity.Selection greedy = ChannelSensitivity.greedy(table, budget);
                ChannelSensitivity.Selection uniform = ChannelSensitivity.uniform(table, budget);
                double[] after = new double[2];
                for (int i = 0; i < 2; i++) {
                    ChannelSensitivity.Selection sel = i == 0 ? greedy : uniform;
                    GraphChannelPruner.Result tried = GraphChannelPruner.prune(model, List.of(shapeInput), targets,
                            new GraphChannelPruner.Options(importance, 0, sel.ratios(), ignore, seed));
                    try (ScriptModel m = tried.model()) {
                        after[i] = DataLoss.mean(m, data, loss, 64);
                    }
                }
                sensitivityJson = printSensitivity(table, greedy, uniform, loss, after);
                o = new GraphChannelPruner.Options(importance, 0, greedy.ratios(), ignore, seed);
            } else if (args.get("ratios", null) != null || args.get("loss", null) != null) {
                throw new UsageException("--ratios and --loss are read by --budget's sensitivity analysis; give --budget");
            }
            if (args.get("speedup", null) != null || args.get("target-latency-ms", null) != null) {
                if (args.get("speedup", null) != null && args.get("target-latency-ms", null) != null) {
                    throw new UsageException("give --speedup or --target-latency-ms, not both");
                }
                double[] lutRatios = Arrays.stream(args.get("lut-ratios", "0.25,0.5,0.75").split(","))
                        .mapToDouble(Double::parseDouble).sorted().toArray();
                Set<Integer> ids = new java.util.TreeSet<>();
                for (GraphChannelPruner.Group g : analysis.groups()) {
                    if (g.layers().stream().noneMatch(l -> ignore.stream().anyMatch(n -> l.equals(n) || l.startsWith(n + ".")))) {
                        ids.add(g.id());
                    }
                }
                System.out.println("measuring the latency table: " + ids.size() + " groups x " + lutRatios.length
                        + " ratios at batch " + batches[0] + ", " + threads + " threads");
                LatencyTable table = LatencyTable.measure(model, List.of(example), example, ids, lutRatios,
                        args.intValue("lut-runs", 5, 1, 1000), importance);
                targetMs = args.get("speedup", null) != null
                        ? table.denseMs() / args.doubleValue("speedup", 2, 1, 1000)
                        : args.doubleValue("target-latency-ms", 1, 1e-6, 1e9);
                Map<Integer, double[]> scores = GraphChannelPruner.importance(model,
                        List.of(importance == Importance.TAYLOR ? taylorInput : example), targets, importance, seed);
                Map<Integer, Double> chosen = LatencyRatios.choose(table, scores, targetMs);
                predictedMs = table.predictMs(chosen);
                System.out.printf(Locale.ROOT, "latency table: dense %.3f ms; target %.3f ms; predicted %.3f ms; "
                        + "ratios %s%n", table.denseMs(), targetMs, predictedMs, chosen);
                o = new GraphChannelPruner.Options(importance, 0, chosen, ignore, seed);
            }
            GraphChannelPruner.Result r = GraphChannelPruner.prune(model,
                    List.of(importance == Importance.TAYLOR ? taylorInput : example), targets, o);
            try (ScriptModel pruned = r.model()) {
                pruned.save(out);
                json.put("in", in.toString()).put("out", out.toString()).put("importance", importance.id())
                        .put("amount", amount);
                System.out.println("groups: " + analysis.groups().size() + " (units before -> after)");
                List<Map<String, Object>> groups = new ArrayList<>();
                for (GraphChannelPruner.Group g : analysis.groups()) {
                    int[] ba = r.unitsBeforeAfter().getOrDefault(g.id(), new int[] {g.units(), g.units()});
                    System.out.printf(Locale.ROOT, "  group %d: %d -> %d %s%s%n", g.id(), ba[0], ba[1],
                            g.width() > 1 ? "heads of " + g.width() + " " : "", summary(g.layers()));
                    groups.add(JsonReport.object("id", g.id(), "before", ba[0], "after", ba[1], "width", g.width(), "layers",
                            g.layers()));
                }
                List<Map<String, Object>> fixed = new ArrayList<>();
                for (GraphChannelPruner.Fixed f : analysis.fixed()) {
                    System.out.println("  fixed: " + f.channels() + " channels: " + f.reason());
                    fixed.add(JsonReport.object("channels", f.channels(), "reason", f.reason()));
                }
                System.out.println("layers (shape before -> after):");
                for (GraphChannelPruner.ParamChange c : r.changes()) {
                    System.out.println("  " + c);
                }
                for (GraphChannelPruner.InputSelection s : r.inputs()) {
                    System.out.println("  " + s + " (the pruned model selects them: pass the same shape; "
                            + "--ignore " + s.name() + " keeps them all)");
                }
                long pb = model.parameterCount();
                long pa = pruned.parameterCount();
                System.out.printf(Locale.ROOT, "params: %d -> %d (-%.1f%%)%n", pb, pa, 100.0 * (pb - pa) / pb);
                json.put("groups", groups).put("fixed", fixed).put("layers", r.changes()).put("inputs", r.inputs())
                        .put("params_before", pb)
                        .put("params_after", pa).put("threads", threads);
                if (sensitivityJson != null) {
                    json.put("sensitivity", sensitivityJson);
                }
                if (predictedMs >= 0) {
                    json.put("target_ms", targetMs).put("predicted_ms", predictedMs);
                }
                List<Map<String, Object>> latency = new ArrayList<>();
                for (int batchSize : batches) {
                    Tensor x = batch(data, shape, batchSize);
                    double[] ms = LatencyTable.interleaved(model, pruned, x, runs);
                    System.out.printf(Locale.ROOT, "latency batch %d, %d threads (interleaved, median of %d): "
                            + "dense %.3f ms, pruned %.3f ms, %.2fx%n", batchSize, threads, runs, ms[0], ms[1],
                            ms[0] / ms[1]);
                    latency.add(JsonReport.object("batch", batchSize, "dense_ms", ms[0], "pruned_ms", ms[1], "speedup",
                            ms[0] / ms[1]));
                }
                json.put("latency", latency);
                System.out.println("wrote " + out);
                json.write(System.out, seed);
            }
        }
        return 0;
    }

    /** Prints the sensitivity table and both choices; returns them for the JSON report. */
    private static Map<String, Object> printSensitivity(ChannelSensitivity.Table t, ChannelSensitivity.Selection greedy,
            ChannelSensitivity.Selection uniform, Loss loss, double[] lossAfter) {
        String lossName = loss.name().toLowerCase(Locale.ROOT);
        System.out.printf(Locale.ROOT, "sensitivity: %s loss on %d rows, dense %.5f; %d groups x ratios %s%n", lossName,
                t.rows(), t.baseLoss(), t.groups().size(), Arrays.toString(t.ratios()));
        List<Map<String, Object>> points = new ArrayList<>();
        for (GraphChannelPruner.Group g : t.groups()) {
            StringBuilder line = new StringBuilder();
            for (ChannelSensitivity.Point p : t.of(g.id())) {
                line.append(String.format(Locale.ROOT, "  %.2f: %d units %.5f", p.ratio(), p.unitsAfter(), p.loss()));
                points.add(JsonReport.object("group", g.id(), "ratio", p.ratio(), "units_after", p.unitsAfter(), "params", p.params(),
                        "loss", p.loss()));
            }
            System.out.printf(Locale.ROOT, "  group %d (%d units %s):%s%n", g.id(), g.units(), summary(g.layers()), line);
        }
        Map<String, Object> j = JsonReport.object("loss", lossName, "rows", t.rows(), "base_loss", t.baseLoss(), "budget",
                greedy.budget(), "points", points);
        for (ChannelSensitivity.Selection s : List.of(greedy, uniform)) {
            double after = lossAfter[s == greedy ? 0 : 1];
            System.out.printf(Locale.ROOT, "%s: ratios %s, params %d -> %d (budget %d), %s loss %.5f%s%n", s.how(), s.ratios(),
                    s.paramsBefore(), s.paramsAfter(), (long) Math.floor(s.budget() * s.paramsBefore()), lossName, after,
                    s.budgetMet() ? "" : " -- budget not met: " + String.join("; ", s.notes()));
            Map<String, Object> ratios = new LinkedHashMap<>();
            s.ratios().forEach((id, ratio) -> ratios.put(String.valueOf(id), ratio));
            j.put(s == greedy ? "greedy" : "uniform", JsonReport.object("how", s.how(), "budget_met", s.budgetMet(), "params_after",
                    s.paramsAfter(), "loss", after, "ratios", ratios));
        }
        return j;
    }

    private static double[] parseRatios(String text) {
        try {
            double[] v = Arrays.stream(text.split(",")).mapToDouble(s -> Double.parseDouble(s.trim())).toArray();
            for (double r : v) {
                if (!(r > 0 && r < 1)) {
                    throw new NumberFormatException();
                }
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException("--ratios must be numbers in (0, 1) joined by ',', got '" + text + "'");
        }
    }

    static Tensor batch(TensorData data, int[] shape, int n) {
        if (data == null) {
            long[] s = new long[shape.length + 1];
            s[0] = n;
            for (int i = 0; i < shape.length; i++) {
                s[i + 1] = shape[i];
            }
            torch.manual_seed(0);
            return torch.randn(s);
        }
        Tensor x = data.x();
        if (x.size(0) >= n) {
            return x.narrow(0, 0, n);
        }
        long[] reps = new long[(int) x.dim()];
        Arrays.fill(reps, 1);
        reps[0] = (n + x.size(0) - 1) / x.size(0);
        return x.repeat(reps).narrow(0, 0, n);
    }

    private static int[] parseInts(String text, String option) {
        try {
            int[] v = Arrays.stream(text.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            for (int x : v) {
                if (x < 1) {
                    throw new NumberFormatException();
                }
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be positive whole numbers joined by ',', got '" + text + "'");
        }
    }

    private static String summary(List<String> layers) {
        List<String> l = new ArrayList<>(layers);
        return l.size() <= 4 ? l.toString() : "[" + String.join(", ", l.subList(0, 3)) + ", ... " + l.size() + " layers]";
    }
}
