package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Namespace;

/** Binding of the free functions of native/include/torchslim/graph.h. Use dev.torchslim.graph. */
@Namespace("torchslim")
public final class GraphApi extends NativePresets {
    static {
        NativeLibrary.load(GraphApi.class);
    }

    private GraphApi() {}

    public static native void optimize_for_inference(@ByRef NativeScriptModel out,
            @Const @ByRef NativeScriptModel model) throws TorchSlimException;
}
