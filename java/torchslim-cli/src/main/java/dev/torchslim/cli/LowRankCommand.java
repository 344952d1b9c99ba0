package dev.torchslim.cli;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.data.TensorData;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.lowrank.ConvDecision;
import dev.torchslim.lowrank.ConvFactorization;
import dev.torchslim.lowrank.LayerDecision;
import dev.torchslim.lowrank.LowRank;
import dev.torchslim.lowrank.LowRankConfig;
import dev.torchslim.lowrank.LowRankResult;
import dev.torchslim.lowrank.RankPolicy;
import dev.torchslim.lowrank.Sensitivity;
import dev.torchslim.lowrank.SvdMethod;
import dev.torchslim.train.Loss;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** ./torchslim lowrank: any TorchScript file in, its Linears and Conv2d layers factorized by truncated SVD out. */
public final class LowRankCommand implements Command {
    @Override
    public String name() {
        return "lowrank";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "lowrank --in MODEL.pt --out OUT.pt (--energy 0.9 | --budget 0.5 [--data D.pt --loss ce] | --rank fc1:32[,conv1:8])",
                "        [--conv spatial|tucker|none] [--svd auto|exact|randomized] [--power-iterations 2] [--seed 0]",
                "        [--fractions 0.1,0.2,...,0.9] [--batch 64] [--json REPORT.json]",
                "  Each chosen Linear becomes two Linears (in -> rank -> out) from the truncated SVD of its weight; each",
                "  chosen Conv2d by --conv: spatial (default; k x 1 then 1 x k, AIMET's spatial SVD), tucker (1x1, k x k core,",
                "  1x1 by HOSVD) or none (convs stay dense). Grouped/depthwise convs are skipped with the reason.",
                "  --energy F   per layer, the smallest rank keeping fraction F of sum(s^2)",
                "  --budget F   without --data: per layer, the largest rank whose factors hold at most fraction F of the",
                "               weight's parameters; with --data: sensitivity analysis (the loss on D.pt with one layer at",
                "               each --fractions of its full rank) then AIMET's greedy selection of per-layer ranks that keep",
                "               at most F of all candidate layers' weight parameters with the least loss",
                "  --rank       these layers at these ranks (module paths as in the model; tucker: r -> min(r, Cin)/min(r, Cout))",
                "  A rank that saves no parameters is skipped and said so. OUT.pt runs in Python's torch.jit.load.");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args args = Args.parse(argv, Set.of("in", "out", "energy", "budget", "rank", "svd", "power-iterations", "seed", "conv",
                "data", "loss", "fractions", "batch", "json"), Set.of());
        Path in = Paths.get(args.require("in"));
        Path out = Paths.get(args.require("out"));
        int given = (args.get("energy", null) != null ? 1 : 0) + (args.get("budget", null) != null ? 1 : 0)
                + (args.get("rank", null) != null ? 1 : 0);
        if (given != 1) {
            throw new UsageException("give exactly one of --energy, --budget, --rank");
        }
        if (!Files.isRegularFile(in)) {
            throw new UsageException("--in " + in + " is not a file");
        }
        ConvFactorization conv;
        try {
            conv = ConvFactorization.parse(args.get("conv", "spatial"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String dataArg = args.get("data", null);
        if (dataArg != null && args.get("budget", null) == null) {
            throw new UsageException("--data is read by --budget's sensitivity selection; give --budget too");
        }
        if (dataArg == null && (args.get("loss", null) != null || args.get("fractions", null) != null)) {
            throw new UsageException("--loss and --fractions need --data");
        }
        Map<String, Object> json = new LinkedHashMap<>();
        RankPolicy policy = null;
        double budget = 0;
        String selection;
        if (args.get("energy", null) != null) {
            double e = args.doubleValue("energy", 0.9, Double.MIN_VALUE, 1);
            policy = RankPolicy.energy(e);
            selection = "energy " + e + " per layer";
        } else if (args.get("budget", null) != null) {
            budget = args.doubleValue("budget", 0.5, Double.MIN_VALUE, 1);
            if (budget >= 1) {
                throw new UsageException("--budget must be below 1, got " + budget);
            }
            if (dataArg == null) {
                policy = RankPolicy.budget(budget);
                selection = "per-layer budget: each layer's factors hold at most " + budget
                        + " of its weight (no --data; give --data for sensitivity-based selection)";
            } else {
                selection = "sensitivity on " + dataArg + " then greedy selection under a global budget of " + budget;
            }
        } else {
            policy = RankPolicy.parseExplicit(args.require("rank"));
            selection = "explicit ranks";
        }
        double[] fractions = dataArg == null ? Sensitivity.DEFAULT_FRACTIONS : parseFractions(args.get("fractions", null));
        int batch = args.intValue("batch", 64, 1, 1 << 20);
        LowRankConfig config = new LowRankConfig(SvdMethod.parse(args.get("svd", "auto")),
                args.intValue("power-iterations", 2, 0, 100), args.intValue("seed", 0, 0, Integer.MAX_VALUE), conv);
        PrintStream o = System.out;
        o.println("rank selection: " + selection + "; convs: " + conv.nativeName());
        json.put("input", in.toString());
        json.put("output", out.toString());
        json.put("selection", dataArg == null ? (args.get("energy", null) != null ? "energy" : args.get("budget", null) != null
                ? "per-layer budget" : "explicit") : "sensitivity greedy");
        json.put("conv", conv.nativeName());
        NativeLibrary.ensureLoaded();
        try (ScriptModel model = ScriptModel.load(in)) {
            TensorData data = null;
            Sensitivity.Selection chosen = null;
            Sensitivity.Table table = null;
            if (dataArg != null) {
                Loss loss = Loss.parse(args.get("loss", "ce"));
                data = TensorData.load(Paths.get(dataArg));
                table = Sensitivity.measure(model, data, loss, config, fractions, batch);
                chosen = Sensitivity.greedy(table, budget);
                printTable(o, table, loss, dataArg);
                policy = chosen.policy();
                json.put("budget", budget);
                json.put("loss", loss.name().toLowerCase(Locale.ROOT));
                json.put("data_rows", table.rows());
                json.put("base_loss", table.baseLoss());
                json.put("fractions", fractions);
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Sensitivity.Point p : table.points()) {
                    Sensitivity.Layer l = table.layers().stream().filter(x -> x.name().equals(p.layer())).findFirst().orElseThrow();
                    rows.add(JsonReport.object("layer", p.layer(), "kind", l.kind().toString(), "shape", l.shape(),
                            "fraction", p.fraction(), "rank_in", p.rankIn(), "rank_out", p.rankOut(), "dense_params",
                            l.denseParams(), "params", p.params(), "loss", p.loss()));
                }
                json.put("sensitivity", rows);
                json.put("greedy_threshold", chosen.threshold());
                json.put("budget_met", chosen.budgetMet());
                json.put("notes", chosen.notes());
                for (String note : chosen.notes()) {
                    o.println("note: " + note);
                }
                if (!chosen.budgetMet()) {
                    o.println("warning: " + String.join("; ", chosen.notes()) + " -- the smallest candidates are used");
                }
            }
            try (LowRankResult r = LowRank.apply(model, policy, config)) {
                r.model().save(out);
                printDecisions(o, r);
                List<Map<String, Object>> layers = new ArrayList<>();
                for (LayerDecision d : r.layers()) {
                    layers.add(decision(d.layer().name(), "linear", d.layer().outFeatures() + "x" + d.layer().inFeatures(),
                            d.rank() == 0 ? "-" : String.valueOf(d.rank()), d.factorized(), d.paramsBefore(), d.paramsAfter(),
                            d.energyKept(), d.reason()));
                }
                for (ConvDecision d : r.convs()) {
                    layers.add(decision(d.layer().name(), d.kind().nativeName(), d.layer().shape(), d.ranks(), d.factorized(),
                            d.paramsBefore(), d.paramsAfter(), d.energyKept(), d.reason()));
                }
                json.put("layers", layers);
                json.put("factorized_layers", r.factorizedLayers());
                json.put("weights_before", r.paramsBefore());
                json.put("weights_after", r.paramsAfter());
                json.put("model_params_before", model.parameterCount());
                json.put("model_params_after", r.model().parameterCount());
                long linears = r.layers().stream().filter(LayerDecision::factorized).count();
                o.printf("%s -> %s: %d of %d Linears factorized", in, out, linears, r.layers().size());
                if (!r.convs().isEmpty()) {
                    o.printf(", %d of %d Conv2d (%s)", r.convs().stream().filter(ConvDecision::factorized).count(),
                            r.convs().size(), conv.nativeName());
                }
                o.printf("; their weights %d -> %d parameters; model %d -> %d%n", r.paramsBefore(), r.paramsAfter(),
                        model.parameterCount(), r.model().parameterCount());
                if (chosen != null) {
                    Loss loss = Loss.parse(args.get("loss", "ce"));
                    double greedyLoss = Sensitivity.loss(r.model(), data, loss, batch);
                    o.printf(Locale.ROOT, "greedy: candidate layers' weights %d -> %d (%.3f of them, budget %s); loss %.5f"
                            + " (dense %.5f)%n", chosen.paramsBefore(), chosen.paramsAfter(),
                            (double) chosen.paramsAfter() / chosen.paramsBefore(), budget, greedyLoss, table.baseLoss());
                    json.put("candidate_params_before", chosen.paramsBefore());
                    json.put("candidate_params_after", chosen.paramsAfter());
                    json.put("greedy_loss", greedyLoss);
                    Sensitivity.Selection uniform = Sensitivity.uniform(table, budget);
                    try (LowRankResult u = LowRank.apply(model, uniform.policy(), config)) {
                        double uniformLoss = Sensitivity.loss(u.model(), data, loss, batch);
                        o.printf(Locale.ROOT, "uniform (%s of full rank everywhere%s): weights %d -> %d; loss %.5f%n",
                                uniform.setting(), uniform.budgetMet() ? "" : ", over budget",
                                uniform.paramsBefore(), uniform.paramsAfter(), uniformLoss);
                        Map<String, Object> uj = new LinkedHashMap<>();
                        uj.put("fraction", uniform.setting());
                        uj.put("budget_met", uniform.budgetMet());
                        uj.put("params_after", uniform.paramsAfter());
                        uj.put("loss", uniformLoss);
                        json.put("uniform", uj);
                    }
                }
                if (r.factorizedLayers() == 0) {
                    o.println("warning: no layer was factorized; " + out + " is a copy of the input");
                }
            }
        }
        if (args.get("json", null) != null) {
            JsonReport.writeAtomically(o, Paths.get(args.get("json", null)), json);
        }
        return 0;
    }

    private static Map<String, Object> decision(String name, String kind, String shape, String rank, boolean factorized,
            long before, long after, double energy, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", name);
        m.put("kind", kind);
        m.put("shape", shape);
        m.put("rank", rank);
        m.put("factorized", factorized);
        m.put("params_before", before);
        m.put("params_after", after);
        m.put("energy_kept", Double.isNaN(energy) ? null : energy);
        m.put("reason", reason);
        return m;
    }

    private static void printDecisions(PrintStream o, LowRankResult r) {
        o.printf("%-32s %-8s %-13s %7s %10s %10s %7s  %s%n", "layer", "kind", "shape", "rank", "params", "after", "energy", "");
        for (LayerDecision d : r.layers()) {
            o.printf("%-32s %-8s %-13s %7s %10d %10d %7s  %s%n", d.layer().name(), "linear",
                    d.layer().outFeatures() + "x" + d.layer().inFeatures(), d.rank() == 0 ? "-" : String.valueOf(d.rank()),
                    d.paramsBefore(), d.paramsAfter(), energy(d.energyKept()), d.reason());
        }
        for (ConvDecision d : r.convs()) {
            o.printf("%-32s %-8s %-13s %7s %10d %10d %7s  %s%n", d.layer().name(), d.kind().nativeName(), d.layer().shape(),
                    d.ranks(), d.paramsBefore(), d.paramsAfter(), energy(d.energyKept()), d.reason());
        }
    }

    private static void printTable(PrintStream o, Sensitivity.Table t, Loss loss, String data) {
        o.printf(Locale.ROOT, "sensitivity: %s loss on %s (%d rows) with one layer at a fraction of its full rank; dense %.5f%n",
                loss.name().toLowerCase(Locale.ROOT), data, t.rows(), t.baseLoss());
        StringBuilder head = new StringBuilder(String.format("%-32s %-8s %-13s", "layer", "kind", "shape"));
        for (double f : t.fractions()) {
            head.append(String.format(Locale.ROOT, " %8s", "f=" + f));
        }
        o.println(head);
        for (Sensitivity.Layer l : t.layers()) {
            StringBuilder row = new StringBuilder(String.format("%-32s %-8s %-13s", l.name(), l.kind(), l.shape()));
            for (double f : t.fractions()) {
                row.append(t.of(l.name()).stream().filter(p -> p.fraction() == f).findFirst()
                        .map(p -> String.format(Locale.ROOT, " %8.4f", p.loss())).orElse(String.format(" %8s", "-")));
            }
            o.println(row);
        }
    }

    private static String energy(double e) {
        return Double.isNaN(e) ? "-" : String.format(Locale.ROOT, "%.4f", e);
    }

    private static double[] parseFractions(String text) {
        if (text == null) {
            return Sensitivity.DEFAULT_FRACTIONS;
        }
        try {
            double[] f = Arrays.stream(text.split(",")).mapToDouble(s -> Double.parseDouble(s.trim())).toArray();
            for (double v : f) {
                if (!(v > 0 && v < 1)) {
                    throw new NumberFormatException();
                }
            }
            return f;
        } catch (NumberFormatException e) {
            throw new UsageException("--fractions must be numbers in (0, 1) joined by ',', got '" + text + "'");
        }
    }
}
