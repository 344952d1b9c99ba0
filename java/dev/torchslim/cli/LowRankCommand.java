package dev.torchslim.cli;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.lowrank.LayerDecision;
import dev.torchslim.lowrank.LowRank;
import dev.torchslim.lowrank.LowRankConfig;
import dev.torchslim.lowrank.LowRankResult;
import dev.torchslim.lowrank.RankPolicy;
import dev.torchslim.lowrank.SvdMethod;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;

/** ./torchslim lowrank: any TorchScript file in, its Linears factorized by truncated SVD out. */
public final class LowRankCommand implements Command {
    @Override
    public String name() {
        return "lowrank";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "lowrank --in MODEL.pt --out OUT.pt (--energy 0.9 | --budget 0.5 | --rank fc1:32[,fc2:8])",
                "        [--svd auto|exact|randomized] [--power-iterations 2] [--seed 0]",
                "  Each chosen Linear becomes two Linears (in -> rank -> out) from the truncated SVD of its weight.",
                "  --energy F   per layer, the smallest rank keeping fraction F of sum(s^2)",
                "  --budget F   per layer, the largest rank whose factors hold at most fraction F of the weight's parameters",
                "  --rank       these layers at these ranks (module paths as in the model); others stay dense",
                "  A rank that saves no parameters is skipped and said so. OUT.pt runs in Python's torch.jit.load.");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args args = Args.parse(argv, Set.of("in", "out", "energy", "budget", "rank", "svd", "power-iterations", "seed"),
                Set.of());
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
        RankPolicy policy;
        if (args.get("energy", null) != null) {
            policy = RankPolicy.energy(args.doubleValue("energy", 0.9, Double.MIN_VALUE, 1));
        } else if (args.get("budget", null) != null) {
            double b = args.doubleValue("budget", 0.5, Double.MIN_VALUE, 1);
            if (b >= 1) {
                throw new UsageException("--budget must be below 1, got " + b);
            }
            policy = RankPolicy.budget(b);
        } else {
            policy = RankPolicy.parseExplicit(args.require("rank"));
        }
        LowRankConfig config = new LowRankConfig(SvdMethod.parse(args.get("svd", "auto")),
                args.intValue("power-iterations", 2, 0, 100), args.intValue("seed", 0, 0, Integer.MAX_VALUE));
        PrintStream o = System.out;
        NativeLibrary.ensureLoaded();
        try (ScriptModel model = ScriptModel.load(in); LowRankResult r = LowRank.apply(model, policy, config)) {
            r.model().save(out);
            o.printf("%-32s %-11s %5s %10s %10s %7s  %s%n", "layer", "shape", "rank", "params", "after", "energy", "");
            for (LayerDecision d : r.layers()) {
                o.printf("%-32s %-11s %5s %10d %10d %7s  %s%n", d.layer().name(),
                        d.layer().outFeatures() + "x" + d.layer().inFeatures(), d.rank() == 0 ? "-" : String.valueOf(d.rank()),
                        d.paramsBefore(), d.paramsAfter(),
                        Double.isNaN(d.energyKept()) ? "-" : String.format("%.4f", d.energyKept()), d.reason());
            }
            o.printf("%s -> %s: %d of %d Linears factorized; their weights %d -> %d parameters; model %d -> %d%n",
                    in, out, r.factorizedLayers(), r.layers().size(), r.paramsBefore(), r.paramsAfter(),
                    model.parameterCount(), r.model().parameterCount());
            if (r.factorizedLayers() == 0) {
                o.println("warning: no Linear was factorized; " + out + " is a copy of the input");
            }
        }
        return 0;
    }
}
