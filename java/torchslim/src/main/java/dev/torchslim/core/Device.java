package dev.torchslim.core;

import dev.torchslim.jni.CudaApi;
import org.bytedeco.pytorch.global.torch;

/**
 * Where tensors live: the CPU or one CUDA device.
 *
 * @param kind CPU or CUDA
 * @param index the CUDA device number, -1 for the CPU
 */
public record Device(Kind kind, int index) {
    /** The kind of device. */
    public enum Kind {
        /** The host CPU. */
        CPU,
        /** A CUDA GPU. */
        CUDA
    }

    /** The CPU (index -1). */
    public static final Device CPU = new Device(Kind.CPU, -1);

    /**
     * Checks that a CUDA device has an index of at least 0 and the CPU the index -1.
     *
     * @param kind CPU or CUDA
     * @param index the CUDA device index, -1 for the CPU
     * @throws IllegalArgumentException for any other combination
     */
    public Device {
        if (kind == Kind.CUDA && index < 0) {
            throw new IllegalArgumentException("CUDA device index must be >= 0, got " + index);
        }
        if (kind == Kind.CPU && index != -1) {
            throw new IllegalArgumentException("the CPU device has no index, got " + index);
        }
    }

    /**
     * CUDA device number index.
     *
     * @param index the device index, from 0
     * @return the device
     */
    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /**
     * Parses "cpu", "cuda" or "cuda:N".
     *
     * @param name "cpu", "cuda" (device 0) or "cuda:N"
     * @return the device
     * @throws IllegalArgumentException for any other name
     */
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

    /**
     * True when TorchSlim was built with CUDA and a device is visible.
     *
     * @return whether CUDA can be used
     */
    public static boolean cudaAvailable() {
        NativeLibrary.ensureLoaded();
        return CudaApi.cuda_available();
    }

    /**
     * The number of visible CUDA devices (0 without a CUDA build).
     *
     * @return the device count
     */
    public static int cudaDeviceCount() {
        NativeLibrary.ensureLoaded();
        return CudaApi.cuda_device_count();
    }

    /**
     * cuda:0 when available, else the CPU.
     *
     * @return the best device available
     */
    public static Device best() {
        return cudaAvailable() ? cuda(0) : CPU;
    }

    /**
     * The LibTorch device; the caller owns the returned pointer.
     *
     * @return a new LibTorch device
     */
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
