package dev.torchslim.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.torchslim.core.TorchSlimException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The part of {@link OnnxRuntimeModel} that touches ONNX Runtime's classes, kept apart so that the
 * JVM loads them only after OnnxRuntimeModel has checked they are on the class path.
 */
final class OrtSessionRunner implements AutoCloseable {
    private final Path file;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String input;

    OrtSessionRunner(Path file, int threads) {
        this.file = file;
        this.env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            this.session = env.createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new TorchSlimException("ONNX Runtime could not load " + file + ": " + e.getMessage(), e);
        }
        this.input = session.getInputNames().iterator().next();
    }

    Tensor forward(Tensor batch) {
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

    static OnnxTensor tensor(OrtEnvironment env, Tensor x) throws OrtException {
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
