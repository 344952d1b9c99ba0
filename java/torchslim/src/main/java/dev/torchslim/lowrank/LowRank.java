package dev.torchslim.lowrank;

import dev.torchslim.graph.ScriptModel;
import dev.torchslim.jni.LowRankApi;
import dev.torchslim.jni.NativeScriptModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The entry point of low-rank factorization, on any {@link ScriptModel}: each chosen Linear
 * becomes two Linears (in -> rank -> out) from the truncated SVD of its weight, and each chosen
 * Conv2d two (spatial SVD) or three (Tucker-2) convolutions, per {@link LowRankConfig#conv()}. The result is a
 * new ScriptModel (the input is left as it was) that trains, and saves as a TorchScript file
 * Python's {@code torch.jit.load} runs:
 *
 * <pre>{@code
 * try (LowRankResult r = LowRank.apply(model, RankPolicy.energy(0.9))) {
 *     r.model().save(Path.of("lowrank.pt"));
 * }
 * }</pre>
 *
 * A rank whose factors would hold as many parameters as the weight is skipped (kept dense) and
 * said so in the layer's {@link LayerDecision#reason()}.
 */
public final class LowRank {
    /** Energy is reported for layers up to this many weights even when the policy does not need it. */
    static final long ENERGY_REPORT_LIMIT = 1L << 22;

    private LowRank() {}

    /**
     * The Linears of the model that can be factorized, in module order.
     *
     * @param model the model to inspect
     * @return one entry per Linear
     */
    public static List<LinearLayer> linearLayers(ScriptModel model) {
        String table;
        try (ScriptModel.Use use = model.use()) {
            table = LowRankApi.linear_layers(model.handle());
        }
        List<LinearLayer> out = new ArrayList<>();
        for (String line : table.split("\n")) {
            if (!line.isEmpty()) {
                String[] f = line.split("\t", -1);
                out.add(new LinearLayer(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), f[3]));
            }
        }
        return out;
    }

    /**
     * The singular values of a Linear's weight, largest first.
     *
     * @param model the model holding the layer
     * @param layer the Linear's module path
     * @return the singular values
     */
    public static double[] singularValues(ScriptModel model, String layer) {
        try (ScriptModel.Use use = model.use()) {
            return doubles(LowRankApi.linear_singular_values(model.handle(), layer));
        }
    }

    /**
     * What {@link #apply} would do with each Linear, without doing it.
     *
     * @param model the model to inspect
     * @param policy chooses each layer's rank
     * @return one decision per Linear
     */
    public static List<LayerDecision> plan(ScriptModel model, RankPolicy policy) {
        if (model == null || policy == null) {
            throw new IllegalArgumentException("model and rank policy must not be null");
        }
        List<LinearLayer> layers = linearLayers(model);
        checkNames(policy, layers, convLayers(model));
        return planLinears(model, policy, layers);
    }

    /** Explicit ranks must name Linear or Conv2d layers of the model. */
    private static void checkNames(RankPolicy policy, List<LinearLayer> layers, List<ConvLayer> convs) {
        if (policy instanceof ExplicitRank explicit) {
            for (String name : explicit.ranks().keySet()) {
                if (layers.stream().noneMatch(l -> l.name().equals(name)) && convs.stream().noneMatch(c -> c.name().equals(name))) {
                    List<String> names = new ArrayList<>(layers.stream().map(LinearLayer::name).toList());
                    convs.forEach(c -> names.add(c.name()));
                    throw new IllegalArgumentException("no Linear or Conv2d named '" + name + "' in the model; its Linear"
                            + " and Conv2d layers are: " + (names.isEmpty() ? "(none)" : String.join(", ", names)));
                }
            }
        }
    }

    private static List<LayerDecision> planLinears(ScriptModel model, RankPolicy policy, List<LinearLayer> layers) {
        List<LayerDecision> decisions = new ArrayList<>();
        for (LinearLayer layer : layers) {
            Map<String, double[]> cache = new HashMap<>();
            Supplier<double[]> spectrum = () -> cache.computeIfAbsent(layer.name(), n -> singularValues(model, n));
            OptionalInt asked = policy.rank(layer, spectrum);
            if (asked.isEmpty()) {
                decisions.add(LayerDecision.dense(layer, 0, Double.NaN, "not selected"));
                continue;
            }
            int rank = asked.getAsInt();
            if (rank < 1 || rank > layer.maxRank()) {
                throw new IllegalArgumentException("the rank of '" + layer.name() + "' (" + layer.outFeatures() + "x"
                        + layer.inFeatures() + ") must be in 1.." + layer.maxRank() + ", got " + rank);
            }
            if (!cache.containsKey(layer.name()) && layer.denseParams() <= ENERGY_REPORT_LIMIT) {
                spectrum.get();
            }
            double energy = cache.containsKey(layer.name()) ? energy(cache.get(layer.name()), rank) : Double.NaN;
            if (layer.factorParams(rank) >= layer.denseParams()) {
                decisions.add(LayerDecision.dense(layer, rank, energy, "skipped: rank " + rank + " keeps "
                        + layer.factorParams(rank) + " >= " + layer.denseParams() + " parameters (saves at rank <= "
                        + layer.largestSavingRank() + ")"));
            } else {
                decisions.add(new LayerDecision(layer, rank, true, layer.denseParams(), layer.factorParams(rank), energy, "factorized"));
            }
        }
        return keepClassesWhole(decisions);
    }

    /**
     * {@link #apply(ScriptModel, RankPolicy, LowRankConfig)} with {@link LowRankConfig#defaults()}.
     *
     * @param model the model to factorize (left unchanged)
     * @param policy chooses each layer's rank
     * @return the new model and every decision
     */
    public static LowRankResult apply(ScriptModel model, RankPolicy policy) {
        return apply(model, policy, LowRankConfig.defaults());
    }

    /**
     * Factorizes the Linears the policy picks; the result holds the new model and every decision.
     *
     * @param model the model to factorize (left unchanged)
     * @param policy chooses each layer's rank
     * @param config the SVD method, power iterations and seed
     * @return the new model and every decision
     */
    public static LowRankResult apply(ScriptModel model, RankPolicy policy, LowRankConfig config) {
        if (model == null || policy == null || config == null) {
            throw new IllegalArgumentException("model, rank policy and config must not be null");
        }
        List<LinearLayer> layers = linearLayers(model);
        List<ConvLayer> convLayers = convLayers(model);
        checkNames(policy, layers, convLayers);
        List<LayerDecision> decisions = planLinears(model, policy, layers);
        List<ConvDecision> convs = config.conv() == ConvFactorization.NONE ? List.of()
                : ConvPlanner.plan(model, policy, config, convLayers);
        String plan = decisions.stream().filter(LayerDecision::factorized)
                .map(d -> d.layer().name() + ":" + d.rank()).collect(Collectors.joining(","));
        String convPlan = convs.stream().filter(ConvDecision::factorized)
                .map(d -> d.layer().name() + ":" + d.rankIn() + ":" + d.rankOut()).collect(Collectors.joining(","));
        NativeScriptModel out = ScriptModel.newNative();
        NativeScriptModel mid = null;
        try (ScriptModel.Use use = model.use()) {
            if (plan.isEmpty() && convPlan.isEmpty()) {
                out.copy_from(model.handle());
            } else if (convPlan.isEmpty()) {
                LowRankApi.factorize_linear(out, model.handle(), plan, config.method().nativeName(),
                        config.powerIterations(), config.seed());
            } else {
                NativeScriptModel src = model.handle();
                if (!plan.isEmpty()) {
                    mid = ScriptModel.newNative();
                    LowRankApi.factorize_linear(mid, model.handle(), plan, config.method().nativeName(),
                            config.powerIterations(), config.seed());
                    src = mid;
                }
                LowRankApi.factorize_conv(out, src, config.conv().nativeName(), convPlan, config.method().nativeName(),
                        config.powerIterations(), config.seed());
            }
        } catch (RuntimeException e) {
            out.close();
            throw e;
        } finally {
            if (mid != null) {
                mid.close();
            }
        }
        return new LowRankResult(ScriptModel.adopt(out), decisions, convs);
    }

    /**
     * The Conv2d layers of the model, in module order, each with the geometry its forward uses and,
     * when it cannot be factorized, why not.
     *
     * @param model the model to inspect
     * @return one entry per Conv2d
     */
    public static List<ConvLayer> convLayers(ScriptModel model) {
        String table;
        try (ScriptModel.Use use = model.use()) {
            table = LowRankApi.conv_layers(model.handle());
        }
        List<ConvLayer> out = new ArrayList<>();
        for (String line : table.split("\n")) {
            if (!line.isEmpty()) {
                String[] f = line.split("\t", -1);
                out.add(new ConvLayer(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                        Long.parseLong(f[4]), "stride " + f[5] + "x" + f[6] + " padding " + f[7] + "x" + f[8]
                        + " dilation " + f[9] + "x" + f[10], Long.parseLong(f[11]), f[12], f[13]));
            }
        }
        return out;
    }

    /**
     * The dense weight the factors of a conv factorization compute, [out, in, kh, kw].
     *
     * @param weight the Conv2d's weight
     * @param kind spatial or tucker
     * @param rankIn the rank (spatial) or the input side's rank (tucker)
     * @param rankOut the output side's rank (tucker; ignored by spatial)
     * @param config the SVD method, power iterations and seed
     * @return the approximation
     */
    public static Tensor convApproximation(Tensor weight, ConvFactorization kind, int rankIn, int rankOut,
            LowRankConfig config) {
        if (kind == ConvFactorization.NONE) {
            throw new IllegalArgumentException("conv factorization 'none' has no approximation");
        }
        return LowRankApi.conv_approximation(weight, kind.nativeName(), rankIn, rankOut, config.method().nativeName(),
                config.powerIterations(), config.seed());
    }

    /**
     * The singular values a conv factorization truncates: spatial {s}; tucker {s of the input side, s of the
     * output side}.
     *
     * @param weight the Conv2d's weight
     * @param kind spatial or tucker
     * @return the spectra, largest first
     */
    public static List<double[]> convSpectra(Tensor weight, ConvFactorization kind) {
        if (kind == ConvFactorization.NONE) {
            throw new IllegalArgumentException("conv factorization 'none' has no spectrum");
        }
        try (TensorVector v = LowRankApi.conv_spectra(weight, kind.nativeName())) {
            List<double[]> out = new ArrayList<>();
            for (long i = 0; i < v.size(); i++) {
                out.add(doubles(v.get(i)));
            }
            return out;
        }
    }

    /**
     * A parameter of the model by name (the model's own tensor).
     *
     * @param model the model
     * @param name e.g. "layer1.0.conv1.weight"
     * @return the tensor
     */
    static Tensor parameter(ScriptModel model, String name) {
        List<ScriptModel.ParameterInfo> info = model.parameterInfo();
        for (int i = 0; i < info.size(); i++) {
            if (info.get(i).name().equals(name)) {
                return model.parameters().get(i);
            }
        }
        throw new IllegalArgumentException("the model has no parameter '" + name + "'");
    }

    /** Linears of one TorchScript class share their code: factorized all together, or none. */
    private static List<LayerDecision> keepClassesWhole(List<LayerDecision> decisions) {
        Map<String, List<LayerDecision>> byClass = new LinkedHashMap<>();
        for (LayerDecision d : decisions) {
            byClass.computeIfAbsent(d.layer().className(), k -> new ArrayList<>()).add(d);
        }
        List<LayerDecision> out = new ArrayList<>();
        for (LayerDecision d : decisions) {
            List<LayerDecision> twins = byClass.get(d.layer().className());
            LayerDecision dense = twins.stream().filter(t -> !t.factorized()).findFirst().orElse(null);
            if (d.factorized() && dense != null) {
                out.add(LayerDecision.dense(d.layer(), d.rank(), d.energyKept(), "skipped: shares its TorchScript class with '"
                        + dense.layer().name() + "', which stays dense (give both a rank)"));
            } else {
                out.add(d);
            }
        }
        return out;
    }

    static double energy(double[] s, int rank) {
        double total = 0;
        double kept = 0;
        for (int i = 0; i < s.length; i++) {
            total += s[i] * s[i];
            if (i < rank) {
                kept += s[i] * s[i];
            }
        }
        return total == 0 ? 1 : kept / total;
    }

    static double[] doubles(Tensor t) {
        Tensor d = t.to(torch.ScalarType.Double).contiguous();
        double[] out = new double[(int) d.numel()];
        d.data_ptr_double().get(out);
        return out;
    }
}
