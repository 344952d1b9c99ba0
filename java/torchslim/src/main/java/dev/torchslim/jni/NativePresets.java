package dev.torchslim.jni;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * What JavaCPP needs to write the JNI unit of TorchSlim: our own headers only (never LibTorch's
 * preset include list, which names headers the wheel does not ship), our library to link, and
 * the JNI library's name. Every binding class in this package inherits it. The libraries live in
 * the classifier jar under {@code dev/torchslim/jni/<platform><extension>/}: JavaCPP's Loader tries
 * {@code linux-x86_64-gpu/} (the {@code -Pgpu} build) before {@code linux-x86_64/}, as for bytedeco's own.
 */
@Properties(value = {@Platform(
        include = {"torchslim/core.h", "torchslim/modules.h", "torchslim/cuda.h", "torchslim/prune.h", "torchslim/graph.h",
                "torchslim/quantize.h", "torchslim/lowrank.h", "torchslim/distill.h", "torchslim/export.h",
                "torchslim/distributed.h", "torchslim/structural.h"},
        link = "torchslim",
        library = "jnitorchslim"),
    // At run time only (the build skips a @Platform whose extension it was not asked for): look in
    // linux-x86_64-gpu/ first, as bytedeco's pytorch preset does.
    @Platform(extension = "-gpu")})
public class NativePresets {
    protected NativePresets() {}
}
