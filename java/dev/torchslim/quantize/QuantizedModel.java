package dev.torchslim.quantize;

import dev.torchslim.core.NativeResource;
import dev.torchslim.jni.NativeQuantizedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/**
 * An int8 inference model made by {@link Quantize}: quantized layers run LibTorch's int8 kernels,
 * the rest run in float on copies of their weights. Independent of the model it came from.
 * Saving and loading round-trip bit for bit; the file is a torch.save-compatible pickle.
 */
public final class QuantizedModel extends NativeResource {
    private final NativeQuantizedModel model;

    QuantizedModel(NativeQuantizedModel model) {
        this.model = model;
    }

    /** Reads a model saved by {@link #save}, repacking its weights for the engine it names. */
    public static QuantizedModel load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no quantized model file at " + file);
        }
        NativeQuantizedModel m = new NativeQuantizedModel();
        try {
            m.load(file.toString());
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return new QuantizedModel(m);
    }

    /** Float input, float output; the caller owns the result. */
    public Tensor forward(Tensor input) {
        checkOpen();
        return model.forward(input);
    }

    /** Writes through a temporary file and an atomic rename: never a half-written file. */
    public void save(Path file) {
        checkOpen();
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("directory of " + file + " does not exist");
        }
        model.save(file.toString());
    }

    /**
     * Writes the model as TorchScript (temporary file, then an atomic rename) that Python's
     * {@code torch.jit.load} runs: the same quantized::* kernels, weights repacked on load.
     */
    public void saveTorchScript(Path file) {
        checkOpen();
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("directory of " + file + " does not exist");
        }
        model.save_torchscript(file.toString());
    }

    /** "dynamic", "static" or "qat". */
    public String mode() {
        checkOpen();
        return model.mode();
    }

    /** The engine the int8 layers run on ("x86", "fbgemm", "qnnpack", "onednn"). */
    public String engine() {
        checkOpen();
        return model.engine();
    }

    /** Bytes of weights (int8 where quantized), biases and quantization parameters. */
    public long sizeBytes() {
        checkOpen();
        return model.size_bytes();
    }

    public long parameterCount() {
        checkOpen();
        return model.parameter_count();
    }

    public long nonzeroParameterCount() {
        checkOpen();
        return model.nonzero_parameter_count();
    }

    /** One line per step: name, operation, weight and output quantization. */
    public String describe() {
        checkOpen();
        return model.describe();
    }

    @Override
    protected void release() {
        model.close();
    }
}
