package dev.torchslim.jni;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlimException;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.NoOffset;
import org.bytedeco.javacpp.annotation.Properties;

/** Binding of torchslim::CudaStream. Use dev.torchslim.core.CudaStream, which closes once. */
@Properties(inherit = NativePresets.class)
@Name("torchslim::CudaStream")
@NoOffset
public class NativeCudaStream extends Pointer {
    static {
        NativeLibrary.load(NativeCudaStream.class);
    }

    public NativeCudaStream(int device) throws TorchSlimException {
        allocate(device);
    }

    private native void allocate(int device) throws TorchSlimException;

    public native int device();

    public native @Cast("int64_t") long handle();

    public native void synchronize() throws TorchSlimException;

    public native void make_current() throws TorchSlimException;

    public native void restore_current() throws TorchSlimException;
}
