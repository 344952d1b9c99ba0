package dev.torchslim.quantize;

import dev.torchslim.jni.NativeCalibrator;
import org.bytedeco.pytorch.Tensor;

/**
 * The float model with fake-quantized weights and activations. Train it as usual: {@link #forward}
 * keeps the autograd graph back to the original model's parameters, so an optimizer over
 * {@code model.parameters()} trains it; {@code model.train()/eval()} switch dropout. Then
 * {@link #convert}.
 */
public final class QatModel extends ObservedModel {
    QatModel(NativeCalibrator calibrator) {
        super(calibrator);
    }

    public Tensor forward(Tensor batch) {
        return run(batch);
    }
}
