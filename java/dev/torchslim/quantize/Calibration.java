package dev.torchslim.quantize;

import dev.torchslim.jni.NativeCalibrator;
import org.bytedeco.pytorch.Tensor;

/** Static int8 in two steps: {@link #observe} calibration batches, then {@link #convert}. */
public final class Calibration extends ObservedModel {
    Calibration(NativeCalibrator calibrator) {
        super(calibrator);
    }

    /** Runs the float model on batch (no gradients), recording activation ranges; returns its output. */
    public Tensor observe(Tensor batch) {
        return run(batch);
    }
}
