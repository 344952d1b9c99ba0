package dev.torchslim.reliability;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.jni.CoreApi;
import org.bytedeco.pytorch.LinearImpl;

/**
 * A fresh JVM that loads TorchSlim and runs one native call; exit 0 means it worked. With
 * "raw" it loads LibTorch through JavaCPP alone, as an application without TorchSlim would.
 */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("raw")) {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.pytorch.global.torch.class);
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
