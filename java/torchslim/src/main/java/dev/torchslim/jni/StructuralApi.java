package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** Binding of native/include/torchslim/structural.h. Use dev.torchslim.prune.GraphChannelPruner instead. */
@Namespace("torchslim")
public final class StructuralApi extends NativePresets {
    static {
        NativeLibrary.load(StructuralApi.class);
    }

    private StructuralApi() {}

    public static native @StdString String channel_groups(@Const @ByRef NativeScriptModel model,
            @Const @ByRef TensorVector inputs) throws TorchSlimException;

    public static native @StdString String channel_importance(@Const @ByRef NativeScriptModel model,
            @Const @ByRef TensorVector inputs, @Const @ByRef Tensor targets, @StdString String importance,
            @Cast("int64_t") long seed) throws TorchSlimException;

    public static native @StdString String prune_channels(@ByRef NativeScriptModel out,
            @Const @ByRef NativeScriptModel model, @Const @ByRef TensorVector inputs, @Const @ByRef Tensor targets,
            @StdString String importance, double amount, @StdString String ratios, @StdString String ignore,
            @Cast("int64_t") long seed, @Cast("bool") boolean zeroOnly) throws TorchSlimException;
}
