package dev.torchslim.core;

import dev.torchslim.jni.CudaApi;
import org.bytedeco.pytorch.global.torch;

/** Where tensors live: the CPU or one CUDA device. */
public record Device(Kind kind, int index) {
    public enum Kind { CPU, CUDA }

    public static final Device CPU = new Device(Kind.CPU, -1);

    public Device {
        if (kind == Kind.CUDA && index < 0) {
            throw new IllegalArgumentException("CUDA device index must be >= 0, got " + index);
        }
        if (kind == Kind.CPU && index != -1) {
            throw new IllegalArgumentException("the CPU device has no index, got " + index);
        }
    }

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** Parses "cpu", "cuda" or "cuda:N". */
    public static Device parse(String name) {
        if (name.equals("cpu")) {
            return CPU;
        }
        if (name.equals("cuda")) {
            return cuda(0);
        }
        if (name.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(name.substring(5)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad device '" + name + "': expected cpu, cuda or cuda:N", e);
            }
        }
        throw new IllegalArgumentException("bad device '" + name + "': expected cpu, cuda or cuda:N");
    }

    /** True when TorchSlim was built with CUDA and a device is visible. */
    public static boolean cudaAvailable() {
        NativeLibrary.ensureLoaded();
        return CudaApi.cuda_available();
    }

    public static int cudaDeviceCount() {
        NativeLibrary.ensureLoaded();
        return CudaApi.cuda_device_count();
    }

    /** cuda:0 when available, else the CPU. */
    public static Device best() {
        return cudaAvailable() ? cuda(0) : CPU;
    }

    /** The LibTorch device; the caller owns the returned pointer. */
    public org.bytedeco.pytorch.Device toTorch() {
        return kind == Kind.CPU
                ? new org.bytedeco.pytorch.Device(torch.DeviceType.CPU)
                : new org.bytedeco.pytorch.Device(torch.DeviceType.CUDA, (byte) index);
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }
}
