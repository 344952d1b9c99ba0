package dev.torchslim.jni;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * What JavaCPP needs to write the JNI unit of TorchSlim: our own headers only (never LibTorch's
 * preset include list, which names headers the wheel does not ship), our library to link, and
 * the JNI library's name. Every binding class in this package inherits it.
 */
@Properties(value = @Platform(
        include = {"torchslim/core.h", "torchslim/modules.h", "torchslim/cuda.h", "torchslim/prune.h", "torchslim/graph.h",
                "torchslim/quantize.h", "torchslim/lowrank.h", "torchslim/distill.h", "torchslim/export.h",
                "torchslim/distributed.h", "torchslim/structural.h"},
        link = "torchslim",
        library = "jnitorchslim"))
public class NativePresets {
    protected NativePresets() {}
}
