package dev.torchslim.quantize;

import dev.torchslim.core.Progress;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.jni.NativeScriptModel;
import dev.torchslim.jni.QuantizeApi;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Tensor;

/**
 * The entry point of quantization, in the shape of torchao's {@code quantize_(model, config)}, on
 * any {@link ScriptModel}. Every result is a new ScriptModel (the input is left as it was) that
 * saves as a plain TorchScript file Python's {@code torch.jit.load} runs, with {@code quantized::}
 * ops for the int8 modes:
 *
 * <pre>{@code
 * ScriptModel dyn = Quantize.apply(model, Int8DynamicConfig.config());            // Linear, LSTM, GRU
 * ScriptModel s8  = Quantize.apply(model, Int8StaticConfig.config(), batches);    // calibrated
 * ScriptModel qat = Quantize.prepareQat(model, Int8QatConfig.config());           // train it, then
 * ScriptModel q8  = Quantize.convert(qat, Engine.DEFAULT);
 * ScriptModel w4  = Quantize.apply(model, WeightOnlyConfig.int4());
 * ScriptModel h   = Quantize.apply(model, HalfPrecisionConfig.bf16());
 * }</pre>
 *
 * The int8 modes run LibTorch's graph-mode quantization passes, the ones Python's
 * {@code quantize_jit} / {@code quantize_dynamic_jit} drive; {@code keepFloat} names modules
 * left in float (paths as in {@link ScriptModel#modules()}, {@code *} patterns or class names:
 * {@link #keepFloatPaths}).
 */
public final class Quantize {
    private Quantize() {}

    /**
     * Engines this LibTorch supports, preferred first.
     *
     * @return the supported engines
     */
    public static List<Engine> supportedEngines() {
        String names = QuantizeApi.quantized_engines();
        return names.isEmpty() ? List.of()
                : Arrays.stream(names.split(",")).map(Engine::parse).collect(Collectors.toList());
    }

    /**
     * Dynamic int8 of the whole model.
     *
     * @param model the float model (left unchanged)
     * @param config per-channel, engine and RNN settings
     * @return the quantized copy
     */
    public static ScriptModel apply(ScriptModel model, Int8DynamicConfig config) {
        return apply(model, config, Set.of());
    }

    /**
     * Dynamic int8, some modules left in float.
     *
     * @param model the float model (left unchanged)
     * @param config per-channel, engine and RNN settings
     * @param keepFloat module paths to leave in float
     * @return the quantized copy
     */
    public static ScriptModel apply(ScriptModel model, Int8DynamicConfig config, Collection<String> keepFloat) {
        String skip = skip(model, keepFloat);
        return make(model, (out, in) -> QuantizeApi.quantize_dynamic(out, in, config.perChannel(),
                config.engine().nativeName(), config.rnn(), skip));
    }

    /**
     * Static int8 of the whole model, calibrated on the given batches.
     *
     * @param model the float model (left unchanged)
     * @param config observer, per-channel and engine settings
     * @param calibration input batches
     * @return the int8 copy
     */
    public static ScriptModel apply(ScriptModel model, Int8StaticConfig config, Iterable<Tensor> calibration) {
        return apply(model, config, calibration, Set.of());
    }

    /**
     * Static int8: prepare, run forward on every calibration batch, convert.
     *
     * @param model the float model (left unchanged)
     * @param config observer, per-channel and engine settings
     * @param calibration input batches
     * @param keepFloat module paths to leave in float
     * @return the int8 copy
     */
    public static ScriptModel apply(ScriptModel model, Int8StaticConfig config, Iterable<Tensor> calibration,
            Collection<String> keepFloat) {
        if (calibration == null) {
            throw new IllegalArgumentException("static int8 needs calibration batches, got null");
        }
        try (ScriptModel prepared = prepare(model, config, keepFloat);
             Progress.Task progress = Progress.task("calibration",
                     calibration instanceof Collection<?> c ? c.size() : -1)) {
            int batches = 0;
            for (Tensor batch : calibration) {
                prepared.forward(batch).close();
                batches++;
                progress.step();
            }
            if (batches == 0) {
                throw new IllegalArgumentException("static int8 needs at least one calibration batch, got none");
            }
            return convert(prepared, config.engine());
        }
    }

    /**
     * Static int8 in steps, for calibration loops of any shape: feed batches to {@code calibrate}.
     *
     * @param model the float model (left unchanged)
     * @param config observer, per-channel and engine settings
     * @param calibrate runs forward passes of the prepared model it is given
     * @return the int8 copy
     */
    public static ScriptModel apply(ScriptModel model, Int8StaticConfig config, Consumer<ScriptModel> calibrate) {
        try (ScriptModel prepared = prepare(model, config, Set.of())) {
            calibrate.accept(prepared);
            return convert(prepared, config.engine());
        }
    }

    /**
     * Static int8, step 1: a copy with Conv+BN folded and observers inserted (eval mode).
     *
     * @param model the float model (left unchanged)
     * @param config observer and per-channel settings
     * @param keepFloat module paths to leave in float
     * @return the prepared copy, to calibrate and then {@link #convert}
     */
    public static ScriptModel prepare(ScriptModel model, Int8StaticConfig config, Collection<String> keepFloat) {
        String skip = skip(model, keepFloat);
        return make(model, (out, in) -> QuantizeApi.prepare_int8(out, in, config.observer().nativeName(),
                config.perChannel(), config.engine().nativeName(), false, skip));
    }

    /**
     * QAT, step 1: a copy with fake-quantize modules, in training mode, parameters taking gradients.
     *
     * @param model the float model (left unchanged)
     * @param config per-channel and engine settings
     * @return the prepared copy, to train and then {@link #convert}
     */
    public static ScriptModel prepareQat(ScriptModel model, Int8QatConfig config) {
        return prepareQat(model, config, Set.of());
    }

    /**
     * QAT, step 1, some modules left in float.
     *
     * @param model the float model (left unchanged)
     * @param config per-channel and engine settings
     * @param keepFloat module paths to leave in float
     * @return the prepared copy, to train and then {@link #convert}
     */
    public static ScriptModel prepareQat(ScriptModel model, Int8QatConfig config, Collection<String> keepFloat) {
        String skip = skip(model, keepFloat);
        return make(model, (out, in) -> QuantizeApi.prepare_int8(out, in, "moving_average", config.perChannel(),
                config.engine().nativeName(), true, skip));
    }

    /**
     * Static int8 / QAT, step 2: the int8 model of a prepared (calibrated or trained) model.
     *
     * @param prepared the calibrated or trained model from {@link #prepare} or {@link #prepareQat}
     * @param engine the int8 kernel library
     * @return the int8 model
     */
    public static ScriptModel convert(ScriptModel prepared, Engine engine) {
        return make(prepared, (out, in) -> QuantizeApi.convert_int8(out, in, engine.nativeName()));
    }

    /**
     * Weight-only int8/int4, dequantized inside forward; the result is frozen (inference only).
     *
     * @param model the float model (left unchanged)
     * @param config bits and int4 group size
     * @return the quantized copy
     */
    public static ScriptModel apply(ScriptModel model, WeightOnlyConfig config) {
        return make(model, (out, in) -> QuantizeApi.weight_only(out, in, config.bits(), config.groupSize()));
    }

    /**
     * fp16 or bf16 of the whole model (parameters, buffers and constants cast; inputs cast in forward).
     *
     * @param model the float model (left unchanged)
     * @param config the half dtype and whether to cast the output back
     * @return the half-precision copy
     */
    public static ScriptModel apply(ScriptModel model, HalfPrecisionConfig config) {
        return make(model, (out, in) -> QuantizeApi.convert_precision(out, in, config.dtype().nativeName(), config.castOutput()));
    }

    private interface Transform {
        void run(NativeScriptModel out, NativeScriptModel in);
    }

    /**
     * One graph transform at a time: LibTorch's quantization passes clone the model's class types
     * into its compilation unit, which is not thread-safe; two threads preparing the same model at
     * once corrupted it (seen as "basic_string::_M_create" in the two-rank QAT test).
     */
    private static final Object PASSES = new Object();

    private static ScriptModel make(ScriptModel model, Transform transform) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        NativeScriptModel out = ScriptModel.newNative();
        try (ScriptModel.Use use = model.use()) {
            synchronized (PASSES) {
                transform.run(out, model.handle());
            }
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return ScriptModel.adopt(out);
    }

    /**
     * The module paths that {@code keepFloat} names in {@code model}: an entry is a module path as
     * {@link ScriptModel#modules()} lists it ({@code classifier}), a path with {@code *} wildcards
     * ({@code features.*.0.block.2}; {@code *} matches any characters, dots included), or a module
     * class's simple name ({@code SqueezeExcitation}: every module of that class). A path under another
     * match is left out (its ancestor already keeps it in float).
     *
     * @param model the model whose modules are matched
     * @param keepFloat paths, path patterns or class names
     * @return the matched module paths, in module order
     * @throws IllegalArgumentException if an entry is empty, contains a comma or matches no module
     */
    public static List<String> keepFloatPaths(ScriptModel model, Collection<String> keepFloat) {
        List<String> out = new ArrayList<>();
        if (keepFloat == null || keepFloat.isEmpty()) {
            return out;
        }
        Map<String, String> modules = model.modules();
        for (String s : keepFloat) {
            if (s == null || s.isEmpty() || s.contains(",")) {
                throw new IllegalArgumentException("module paths to keep in float must be non-empty and without commas, got '"
                        + s + "'");
            }
            Pattern glob = Pattern.compile(Arrays.stream(s.split("\\*", -1)).map(Pattern::quote)
                    .collect(Collectors.joining(".*")));
            boolean found = false;
            for (Map.Entry<String, String> m : modules.entrySet()) {
                String path = m.getKey();
                String type = m.getValue();
                if (!path.isEmpty() && (glob.matcher(path).matches() || s.equals(simpleName(type)))) {
                    found = true;
                    if (!out.contains(path)) {
                        out.add(path);
                    }
                }
            }
            if (!found) {
                throw new IllegalArgumentException("no module named '" + s + "' (path, path pattern with *, or class name) "
                        + "to leave in float; the model's modules are listed by ScriptModel.modules()");
            }
        }
        List<String> kept = new ArrayList<>();
        for (String path : modules.keySet()) {
            if (out.contains(path) && kept.stream().noneMatch(a -> path.startsWith(a + "."))) {
                kept.add(path);
            }
        }
        return kept;
    }

    /** A module's class name without its qualification ({@code __torch__.torchvision...SqueezeExcitation}). */
    static String simpleName(String type) {
        return type.substring(type.lastIndexOf('.') + 1);
    }

    private static String skip(ScriptModel model, Collection<String> keepFloat) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        return String.join(",", keepFloatPaths(model, keepFloat));
    }
}
