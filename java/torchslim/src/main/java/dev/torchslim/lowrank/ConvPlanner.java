package dev.torchslim.lowrank;

import dev.torchslim.graph.ScriptModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

/**
 * Chooses each Conv2d's ranks with a {@link RankPolicy}. Spatial SVD: the policy reads the conv as the
 * (Cout*kw) x (Cin*kh) matrix it factorizes ({@link ConvLayer#spatialView()}), so energy, budget and
 * explicit ranks mean what they mean for a Linear. Tucker-2: energy picks each side's rank from its
 * unfolding's spectrum; a budget scales both sides by one ratio (the largest whose three factors fit);
 * an explicit rank r means r_in = min(r, Cin), r_out = min(r, Cout).
 */
final class ConvPlanner {
    private ConvPlanner() {}

    static List<ConvDecision> plan(ScriptModel model, RankPolicy policy, LowRankConfig config, List<ConvLayer> layers) {
        ConvFactorization kind = config.conv();
        List<ConvDecision> out = new ArrayList<>();
        for (ConvLayer layer : layers) {
            if (!layer.problem().isEmpty()) {
                out.add(ConvDecision.dense(layer, kind, 0, 0, Double.NaN, "skipped: " + layer.problem()));
                continue;
            }
            Tensor w = LowRank.parameter(model, layer.name() + ".weight");
            List<double[]> cache = new ArrayList<>();
            Supplier<List<double[]>> spectra = () -> {
                if (cache.isEmpty()) {
                    cache.addAll(LowRank.convSpectra(w, kind));
                }
                return cache;
            };
            int[] ranks = kind == ConvFactorization.SPATIAL ? spatialRanks(layer, policy, spectra)
                    : tuckerRanks(layer, policy, spectra);
            if (ranks == null) {
                out.add(ConvDecision.dense(layer, kind, 0, 0, Double.NaN, "not selected"));
                continue;
            }
            long after = kind == ConvFactorization.SPATIAL ? layer.spatialView().factorParams(ranks[0])
                    : layer.tuckerParams(ranks[0], ranks[1]);
            double energy = Double.NaN;
            if (kind == ConvFactorization.SPATIAL && (!cache.isEmpty() || layer.denseParams() <= LowRank.ENERGY_REPORT_LIMIT)) {
                energy = LowRank.energy(spectra.get().get(0), ranks[0]);
            } else if (kind == ConvFactorization.TUCKER && layer.denseParams() <= LowRank.ENERGY_REPORT_LIMIT) {
                Tensor approx = LowRank.convApproximation(w, kind, ranks[0], ranks[1], config);
                double kept = approx.pow(new org.bytedeco.pytorch.Scalar(2.0)).sum().item_double();
                double total = w.detach().pow(new org.bytedeco.pytorch.Scalar(2.0)).sum().item_double();
                energy = total == 0 ? 1 : kept / total;
            }
            if (after >= layer.denseParams()) {
                String r = kind == ConvFactorization.TUCKER ? ranks[0] + "/" + ranks[1] : String.valueOf(ranks[0]);
                out.add(ConvDecision.dense(layer, kind, ranks[0], ranks[1], energy, "skipped: rank " + r + " keeps " + after
                        + " >= " + layer.denseParams() + " parameters" + (kind == ConvFactorization.SPATIAL
                                ? " (saves at rank <= " + layer.spatialView().largestSavingRank() + ")" : "")));
            } else {
                out.add(new ConvDecision(layer, kind, ranks[0], ranks[1], true, layer.denseParams(), after, energy, "factorized"));
            }
        }
        return keepClassesWhole(out);
    }

    private static int[] spatialRanks(ConvLayer layer, RankPolicy policy, Supplier<List<double[]>> spectra) {
        LinearLayer view = layer.spatialView();
        OptionalInt r = policy.rank(view, () -> spectra.get().get(0));
        if (r.isEmpty()) {
            return null;
        }
        int rank = r.getAsInt();
        if (rank < 1 || rank > view.maxRank()) {
            throw new IllegalArgumentException("the spatial rank of Conv2d '" + layer.name() + "' (" + layer.shape()
                    + ") must be in 1.." + view.maxRank() + ", got " + rank);
        }
        return new int[] {rank, rank};
    }

    private static int[] tuckerRanks(ConvLayer layer, RankPolicy policy, Supplier<List<double[]>> spectra) {
        int cin = (int) layer.inChannels();
        int cout = (int) layer.outChannels();
        if (policy instanceof ChosenRanks chosen) {
            int[] r = chosen.ranks().get(layer.name());
            return r == null ? null : new int[] {r[0], r.length > 1 ? r[1] : r[0]};
        }
        if (policy instanceof BudgetRank budget) {
            int k = Math.max(cin, cout);
            for (int t = k; t >= 1; t--) {
                int rin = Math.max(1, (int) Math.round((double) t * cin / k));
                int rout = Math.max(1, (int) Math.round((double) t * cout / k));
                if (layer.tuckerParams(rin, rout) <= budget.fraction() * layer.denseParams()) {
                    return new int[] {rin, rout};
                }
            }
            return new int[] {1, 1};
        }
        long k = layer.kernelH() * layer.kernelW();
        OptionalInt rin = policy.rank(new LinearLayer(layer.name(), cin, cout * k, layer.className()), () -> spectra.get().get(0));
        OptionalInt rout = policy.rank(new LinearLayer(layer.name(), cout, cin * k, layer.className()), () -> spectra.get().get(1));
        if (rin.isEmpty() || rout.isEmpty()) {
            return null;
        }
        if (policy instanceof ExplicitRank) {
            return new int[] {Math.max(1, Math.min(rin.getAsInt(), cin)), Math.max(1, Math.min(rout.getAsInt(), cout))};
        }
        if (rin.getAsInt() < 1 || rin.getAsInt() > cin || rout.getAsInt() < 1 || rout.getAsInt() > cout) {
            throw new IllegalArgumentException("the Tucker ranks of Conv2d '" + layer.name() + "' must be in 1.." + cin
                    + " and 1.." + cout + ", got " + rin.getAsInt() + "/" + rout.getAsInt());
        }
        return new int[] {rin.getAsInt(), rout.getAsInt()};
    }

    /** Conv2d layers of one TorchScript class share their forward: factorized all together, or none. */
    private static List<ConvDecision> keepClassesWhole(List<ConvDecision> decisions) {
        Map<String, List<ConvDecision>> byClass = new LinkedHashMap<>();
        for (ConvDecision d : decisions) {
            byClass.computeIfAbsent(d.layer().className(), c -> new ArrayList<>()).add(d);
        }
        List<ConvDecision> out = new ArrayList<>();
        for (ConvDecision d : decisions) {
            ConvDecision dense = byClass.get(d.layer().className()).stream().filter(t -> !t.factorized()).findFirst().orElse(null);
            if (d.factorized() && dense != null) {
                out.add(ConvDecision.dense(d.layer(), d.kind(), d.rankIn(), d.rankOut(), d.energyKept(),
                        "skipped: shares its TorchScript class with '" + dense.layer().name() + "', which stays dense"
                        + " (give both a rank)"));
            } else {
                out.add(d);
            }
        }
        return out;
    }
}
