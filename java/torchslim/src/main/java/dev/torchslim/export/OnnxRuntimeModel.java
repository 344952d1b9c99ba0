package dev.torchslim.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.report.Evaluable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/**
 * An exported ONNX file opened in ONNX Runtime's Java API, to check from Java what a device will
 * run: its first output on LibTorch tensors. ONNX Runtime ({@code com.microsoft.onnxruntime:onnxruntime})
 * is an optional dependency of TorchSlim: add it to use this class; {@link #open} says so when it
 * is missing.
 */
public final class OnnxRuntimeModel implements Evaluable, AutoCloseable {
    private final OrtSessionRunner runner;

    private OnnxRuntimeModel(OrtSessionRunner runner) {
        this.runner = runner;
    }

    /**
     * Opens an ONNX file in ONNX Runtime (CPU).
     *
     * @param file the .onnx file
     * @param threads ONNX Runtime's intra-op thread count, at least 1
     * @return the open model; close it to free the session
     * @throws TorchSlimException if ONNX Runtime is not on the class path or refuses the file
     */
    public static OnnxRuntimeModel open(Path file, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (!Files.isRegularFile(file)) {
            throw new TorchSlimException("no ONNX file at " + file);
        }
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, OnnxRuntimeModel.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new TorchSlimException("ONNX Runtime is not on the class path: add"
                    + " com.microsoft.onnxruntime:onnxruntime (1.29.0 is what TorchSlim is tested with)", e);
        }
        return new OnnxRuntimeModel(new OrtSessionRunner(file, threads));
    }

    /**
     * Runs the model on one input and returns its first output as a float tensor of LibTorch.
     *
     * @param batch the model's input (float, or integer token ids given as int64)
     * @return the first output, copied
     * @throws TorchSlimException if ONNX Runtime fails on the input
     */
    @Override
    public Tensor forward(Tensor batch) {
        return runner.forward(batch);
    }

    /**
     * A LibTorch tensor as an ONNX Runtime input: int64 for integer tensors (token ids), float32
     * otherwise; the data is copied.
     *
     * @param env ONNX Runtime's environment
     * @param x the tensor
     * @return the ONNX Runtime tensor (close it)
     * @throws OrtException if ONNX Runtime refuses it
     */
    public static OnnxTensor tensor(OrtEnvironment env, Tensor x) throws OrtException {
        return OrtSessionRunner.tensor(env, x);
    }

    @Override
    public void close() {
        runner.close();
    }
}
