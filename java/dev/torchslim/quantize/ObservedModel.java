package dev.torchslim.quantize;

import dev.torchslim.core.NativeResource;
import dev.torchslim.jni.NativeCalibrator;
import dev.torchslim.jni.NativeQuantizedModel;
import org.bytedeco.pytorch.Tensor;

/** A float model with observers (and for QAT fake quantization) that converts to int8. */
abstract class ObservedModel extends NativeResource {
    private final NativeCalibrator calibrator;

    ObservedModel(NativeCalibrator calibrator) {
        this.calibrator = calibrator;
    }

    Tensor run(Tensor batch) {
        checkOpen();
        return calibrator.forward(batch);
    }

    /** Batches seen so far. */
    public long batches() {
        checkOpen();
        return calibrator.batches();
    }

    /** The int8 model from the ranges observed so far; this object stays usable. */
    public QuantizedModel convert() {
        checkOpen();
        NativeQuantizedModel out = new NativeQuantizedModel();
        try {
            calibrator.convert(out);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return new QuantizedModel(out);
    }

    @Override
    protected void release() {
        calibrator.close();
    }
}
