package dev.torchslim.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.report.Evaluable;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * An exported ONNX file opened in ONNX Runtime's Java API, to check from Java what a device will
 * run: its first output on LibTorch tensors. ONNX Runtime ({@code com.microsoft.onnxruntime:onnxruntime})
 * is an optional dependency of TorchSlim: add it to use this class; {@link #open} says so when it
 * is missing.
 */
public final class OnnxRuntimeModel implements Evaluable, AutoCloseable {
    private final Path file;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String input;

    private OnnxRuntimeModel(Path file, OrtEnvironment env, OrtSession session) {
        this.file = file;
        this.env = env;
        this.session = session;
        this.input = session.getInputNames().iterator().next();
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
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            return new OnnxRuntimeModel(file, env, env.createSession(file.toString(), options));
        } catch (OrtException e) {
            throw new TorchSlimException("ONNX Runtime could not load " + file + ": " + e.getMessage(), e);
        }
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
        try (OnnxTensor x = tensor(env, batch); OrtSession.Result result = session.run(Map.of(input, x))) {
            OnnxValue first = result.get(0);
            if (!(first instanceof OnnxTensor y)) {
                throw new TorchSlimException(file + ": the first output is not a tensor");
            }
            FloatBuffer fb = y.getFloatBuffer();
            if (fb == null) {
                throw new TorchSlimException(file + ": the first output is not float32");
            }
            float[] out = new float[fb.remaining()];
            fb.get(out);
            long[] shape = y.getInfo().getShape();
            return torch.from_blob(new FloatPointer(out), shape).clone();
        } catch (OrtException e) {
            throw new TorchSlimException("ONNX Runtime failed on " + file + ": " + e.getMessage(), e);
        }
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
        Tensor c = x.contiguous();
        long[] shape = c.sizes().vec().get();
        int n = (int) c.numel();
        if (!c.is_floating_point()) {
            long[] data = new long[n];
            new LongPointer(c.to(torch.ScalarType.Long).contiguous().data_ptr_long()).get(data);
            return OnnxTensor.createTensor(env, LongBuffer.wrap(data), shape);
        }
        float[] data = new float[n];
        Tensor f = c.to(torch.ScalarType.Float).contiguous();
        new FloatPointer(f.data_ptr_float()).get(data);
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new TorchSlimException("ONNX Runtime could not close " + file + ": " + e.getMessage(), e);
        }
    }
}
