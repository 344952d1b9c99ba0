package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.Tensor;

/** Binding of the free functions of native/include/torchslim/distill.h. Use dev.torchslim.distill. */
@Namespace("torchslim")
public final class DistillApi extends NativePresets {
    static {
        NativeLibrary.load(DistillApi.class);
    }

    private DistillApi() {}

    public static native @ByVal Tensor kd_loss(@Const @ByRef Tensor student, @Const @ByRef Tensor teacher,
            @Const @ByRef Tensor target, double temperature, double alpha) throws TorchSlimException;

    public static native @ByVal Tensor teacher_logits(@ByRef NativeScriptModel teacher, @Const @ByRef Tensor x,
            @Cast("int64_t") long batchSize) throws TorchSlimException;

    public static native void tap_features(@ByRef NativeScriptModel out, @ByRef NativeScriptModel model,
            @StdString String layers) throws TorchSlimException;

    public static native @ByVal Tensor hint_loss(@Const @ByRef Tensor student, @Const @ByRef Tensor teacher,
            @Const @ByRef Tensor adapterWeight, @Const @ByRef Tensor adapterBias, @StdString String kind)
            throws TorchSlimException;
}
