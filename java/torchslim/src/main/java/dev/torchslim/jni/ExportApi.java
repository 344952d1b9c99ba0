package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.StdString;
import org.bytedeco.pytorch.TensorVector;

/** Binding of native/include/torchslim/export.h. Use dev.torchslim.export. */
@Namespace("torchslim")
public final class ExportApi extends NativePresets {
    static {
        NativeLibrary.load(ExportApi.class);
    }

    private ExportApi() {}

    public static native void describe_for_export(@Const @ByRef NativeScriptModel model,
            @Const @ByRef TensorVector examples, @Const @ByRef TensorVector nextBatch, @StdString String path)
            throws TorchSlimException;
}
