package dev.torchslim.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Runs an ONNX file in ONNX Runtime's Java API (the test dependency) on a LibTorch tensor. */
public final class OrtRun {
    private OrtRun() {}

    /** The first output as a [batch, classes] float tensor of LibTorch. */
    public static Tensor run(Path onnx, Tensor x, int threads) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            try (OrtSession session = env.createSession(onnx.toString(), options);
                 OnnxTensor input = tensor(env, x);
                 OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
                OnnxTensor y = (OnnxTensor) result.get(0);
                FloatBuffer fb = y.getFloatBuffer();
                float[] out = new float[fb.remaining()];
                fb.get(out);
                long[] shape = y.getInfo().getShape();
                return torch.from_blob(new FloatPointer(out), shape).clone();
            }
        }
    }

    /**
     * A LibTorch tensor as an ONNX Runtime input: int64 for integer tensors (token ids), float32
     * otherwise; the data is copied.
     */
    public static OnnxTensor tensor(OrtEnvironment env, Tensor x) throws OrtException {
        Tensor c = x.contiguous();
        long[] shape = c.sizes().vec().get();
        int n = (int) c.numel();
        if (!c.is_floating_point()) {
            long[] data = new long[n];
            new LongPointer(c.data_ptr_long()).get(data);
            return OnnxTensor.createTensor(env, LongBuffer.wrap(data), shape);
        }
        float[] data = new float[n];
        Tensor f = c.to(torch.ScalarType.Float).contiguous();
        new FloatPointer(f.data_ptr_float()).get(data);
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
    }
}
