package dev.torchslim.quantize;

import dev.torchslim.jni.NativeCalibrator;
import dev.torchslim.jni.NativeQuantizedModel;
import dev.torchslim.jni.QuantizeApi;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The entry point of quantization, in the shape of torchao's {@code quantize_(model, config, filter)}:
 *
 * <pre>{@code
 * QuantizedModel q = Quantize.apply(model, Int8DynamicConfig.config());           // Linear layers
 * QuantizedModel s = Quantize.apply(model, Int8StaticConfig.config(), calibration);
 * QatModel qat = Quantize.prepareQat(model, Int8QatConfig.config());  // train, then qat.convert()
 * Quantize.apply(model, HalfPrecisionConfig.bf16());                                // in place
 * }</pre>
 *
 * The int8 modes need a Sequential (nested allowed) of Linear, Conv2d, BatchNorm2d, ReLU,
 * MaxPool2d, Flatten, Dropout, LogSoftmax, Softmax, Identity; anything else throws, naming
 * what is supported. Weight-only and half precision work on any module. The int8 modes return a
 * new {@link QuantizedModel} and leave the float model as it was.
 */
public final class Quantize {
    private Quantize() {}

    /** The layers of a Sequential model as quantization sees them. */
    public static List<Layer> layers(Module model) {
        List<Layer> layers = new ArrayList<>();
        for (String line : QuantizeApi.quantizable_layers(model).split("\n")) {
            if (!line.isEmpty()) {
                String[] parts = line.split("\t");
                layers.add(new Layer(parts[0], parts[1]));
            }
        }
        return layers;
    }

    /** Engines this LibTorch supports, preferred first. */
    public static List<Engine> supportedEngines() {
        String names = QuantizeApi.quantized_engines();
        return names.isEmpty() ? List.of()
                : Arrays.stream(names.split(",")).map(Engine::parse).collect(Collectors.toList());
    }

    public static QuantizedModel apply(Module model, Int8DynamicConfig config) {
        return apply(model, config, LayerFilter.linear());
    }

    /** Dynamic int8 of the Linear layers the filter accepts. */
    public static QuantizedModel apply(Module model, Int8DynamicConfig config, LayerFilter filter) {
        String selected = select(model, filter);
        NativeQuantizedModel out = new NativeQuantizedModel();
        try {
            QuantizeApi.quantize_dynamic(out, model, selected, config.perChannel(), config.engine().nativeName());
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return new QuantizedModel(out);
    }

    public static QuantizedModel apply(Module model, Int8StaticConfig config, Iterable<Tensor> calibration) {
        return apply(model, config, calibration, LayerFilter.linearAndConv2d());
    }

    /** Static int8: calibrates on the batches (model in eval mode), then converts. */
    public static QuantizedModel apply(Module model, Int8StaticConfig config, Iterable<Tensor> calibration,
            LayerFilter filter) {
        try (Calibration c = prepare(model, config, filter)) {
            for (Tensor batch : calibration) {
                c.observe(batch).close();
            }
            if (c.batches() == 0) {
                throw new IllegalArgumentException("static int8 needs at least one calibration batch, got none");
            }
            return c.convert();
        }
    }

    public static Calibration prepare(Module model, Int8StaticConfig config) {
        return prepare(model, config, LayerFilter.linearAndConv2d());
    }

    /** Static int8 in steps: observe calibration batches, then convert. */
    public static Calibration prepare(Module model, Int8StaticConfig config, LayerFilter filter) {
        return new Calibration(calibrator(model, select(model, filter), config.observer(), config.perChannel(),
                config.engine(), false));
    }

    public static QatModel prepareQat(Module model, Int8QatConfig config) {
        return prepareQat(model, config, LayerFilter.linearAndConv2d());
    }

    /** QAT: a fake-quantized view of model to train, then convert to int8. */
    public static QatModel prepareQat(Module model, Int8QatConfig config, LayerFilter filter) {
        return new QatModel(calibrator(model, select(model, filter), config.observer(), config.perChannel(),
                config.engine(), true));
    }

    /** Weight-only int8/int4 in memory: weights replaced, in place, by what the file would load. */
    public static void apply(Module model, WeightOnlyConfig config) {
        QuantizeApi.fake_quantize_weights(model, config.bits(), config.groupSize());
    }

    /** Casts floating parameters and buffers in place. */
    public static void apply(Module model, HalfPrecisionConfig config) {
        QuantizeApi.convert_precision(model, config.dtype());
    }

    private static NativeCalibrator calibrator(Module model, String layers, Observer observer, boolean perChannel,
            Engine engine, boolean qat) {
        return new NativeCalibrator(model, layers, observer.nativeName(), observer.argument(), perChannel,
                engine.nativeName(), qat);
    }

    private static String select(Module model, LayerFilter filter) {
        if (filter == null) {
            throw new IllegalArgumentException("layer filter must not be null");
        }
        return layers(model).stream().filter(filter::accept).map(Layer::path).collect(Collectors.joining(","));
    }
}
