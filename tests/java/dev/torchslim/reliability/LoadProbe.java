package dev.torchslim.reliability;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.jni.CoreApi;
import org.bytedeco.pytorch.LinearImpl;

/**
 * A fresh JVM that loads TorchSlim and runs one native call; exit 0 means it worked. With
 * "raw" it loads LibTorch through JavaCPP alone, as an application without TorchSlim would; with
 * "light", only what the prune command loads (the baseline of its peak-memory figure).
 */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("raw")) {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.pytorch.global.torch.class);
        } else if (args.length > 0 && args[0].equals("light")) {
            // What `./torchslim prune` loads: LibTorch's libraries and TorchSlim's, no bytedeco bindings.
            NativeLibrary.ensureLoadedWithoutBindings();
            System.out.println("torch " + CoreApi.torch_version());
            System.exit(0);
        } else {
            NativeLibrary.ensureLoaded();
        }
        try (LinearImpl layer = new LinearImpl(4, 3)) {
            long n = args.length > 0 && args[0].equals("raw") ? layer.weight().numel() + 3
                    : CoreApi.count_parameters(layer);
            System.out.println("parameters " + n);
            System.exit(n == 15 ? 0 : 3);
        }
    }
}
