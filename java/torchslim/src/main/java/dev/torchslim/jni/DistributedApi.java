package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.annotation.ByRef;
import org.bytedeco.javacpp.annotation.ByVal;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.pytorch.TensorVector;

/** Binding of native/include/torchslim/distributed.h. Use dev.torchslim.graph.ScriptModel#buffers. */
@Namespace("torchslim")
public final class DistributedApi extends NativePresets {
    static {
        NativeLibrary.load(DistributedApi.class);
    }

    private DistributedApi() {}

    public static native @ByVal TensorVector model_buffers(@ByRef NativeScriptModel model) throws TorchSlimException;
}
