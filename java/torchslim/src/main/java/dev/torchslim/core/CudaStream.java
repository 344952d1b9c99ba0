package dev.torchslim.core;

import dev.torchslim.jni.NativeCudaStream;

/**
 * A CUDA stream from LibTorch's pool. GPU operations of TorchSlim take one; {@link #makeCurrent}
 * also routes LibTorch's own kernels to it for a block:
 *
 * <pre>{@code
 * try (CudaStream stream = CudaStream.create(Device.cuda(0));
 *      CudaStream.Current current = stream.makeCurrent()) {
 *     ... // LibTorch ops and TorchSlim kernels queue on stream
 *     stream.synchronize();
 * }
 * }</pre>
 *
 * Without CUDA (a CPU build, or no device) {@link #create} throws {@link TorchSlimException}.
 */
public final class CudaStream extends NativeResource {
    private final NativeCudaStream stream;
    private boolean current;

    private CudaStream(NativeCudaStream stream) {
        this.stream = stream;
    }

    /**
     * A new stream on a CUDA device, from LibTorch's stream pool.
     *
     * @param device a CUDA device
     * @return the stream; close it when done
     * @throws IllegalArgumentException for a CPU device
     */
    public static CudaStream create(Device device) {
        if (device.kind() != Device.Kind.CUDA) {
            throw new IllegalArgumentException("a CUDA stream needs a CUDA device, got " + device);
        }
        NativeLibrary.ensureLoaded();
        return new CudaStream(new NativeCudaStream(device.index()));
    }

    /**
     * The device this stream runs on.
     *
     * @return the stream's device
     */
    public Device device() {
        try (Use use = use()) {
            return Device.cuda(stream.device());
        }
    }

    /**
     * The raw cudaStream_t as a number, for logs and interop.
     *
     * @return the stream handle
     */
    public long handle() {
        try (Use use = use()) {
            return stream.handle();
        }
    }

    /** Blocks until all work queued on this stream is done. */
    public void synchronize() {
        try (Use use = use()) {
            stream.synchronize();
        }
    }

    /**
     * Makes this LibTorch's current stream on its device until the returned guard closes.
     *
     * @return the guard that restores the previous current stream
     */
    public Current makeCurrent() {
        // The operation guard first, then the monitor: close() takes them in the same order.
        try (Use use = use()) {
            synchronized (this) {
                if (current) {
                    throw new IllegalStateException("this CudaStream is already current; close its Current first");
                }
                stream.make_current();
                current = true;
                return new Current();
            }
        }
    }

    /**
     * The pointer for native calls; valid while this stream is open. Callers that may race
     * {@link #close} run their call inside {@link #use()}.
     *
     * @return the native stream
     */
    public NativeCudaStream nativeStream() {
        checkOpen();
        return stream;
    }


    @Override
    protected synchronized void release() {
        if (current) {
            stream.restore_current();
            current = false;
        }
        stream.close();
    }

    /** Restores the previous current stream when closed. */
    public final class Current extends NativeResource {
        private Current() {}

        @Override
        protected void release() {
            synchronized (CudaStream.this) {
                if (current && !CudaStream.this.isClosed()) {
                    stream.restore_current();
                }
                current = false;
            }
        }
    }
}
