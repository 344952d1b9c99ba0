package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.NoOffset;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** Binding of torchslim::Calibrator (static int8 and QAT). Use dev.torchslim.quantize. */
@Properties(inherit = NativePresets.class)
@Name("torchslim::Calibrator")
@NoOffset
public class NativeCalibrator extends Pointer {
    static {
        NativeLibrary.load(NativeCalibrator.class);
    }

    public NativeCalibrator(Module model, String layers, String observer, double observerArg, boolean perChannel,
            String engine, boolean qat) throws TorchSlimException {
        allocate(model, layers, observer, observerArg, perChannel, engine, qat);
    }

    private native void allocate(@ByRef Module model, @StdString String layers, @StdString String observer,
            double observerArg, @Cast("bool") boolean perChannel, @StdString String engine, @Cast("bool") boolean qat)
            throws TorchSlimException;

    public native @ByVal Tensor forward(@Const @ByRef Tensor input) throws TorchSlimException;

    public native @Cast("int64_t") long batches();

    public native void convert(@ByRef NativeQuantizedModel out) throws TorchSlimException;
}
