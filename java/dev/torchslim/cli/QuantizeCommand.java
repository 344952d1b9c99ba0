package dev.torchslim.cli;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import dev.torchslim.data.Dataset;
import dev.torchslim.data.FashionMnist;
import dev.torchslim.quantize.Engine;
import dev.torchslim.quantize.HalfPrecisionConfig;
import dev.torchslim.quantize.Int8DynamicConfig;
import dev.torchslim.quantize.Int8QatConfig;
import dev.torchslim.quantize.Int8StaticConfig;
import dev.torchslim.quantize.Layer;
import dev.torchslim.quantize.QatModel;
import dev.torchslim.quantize.Quantize;
import dev.torchslim.quantize.QuantizedModel;
import dev.torchslim.quantize.TorchScriptFiles;
import dev.torchslim.quantize.WeightOnlyConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** ./torchslim quantize: a TorchScript file saved by Python in, a quantized file out. */
public final class QuantizeCommand implements Command {
    static final List<String> MODES = List.of("dynamic", "static", "qat", "weight-int8", "weight-int4", "fp16", "bf16");

    @Override
    public String name() {
        return "quantize";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "quantize --in MODEL.pt --out OUT --mode dynamic|static|qat|weight-int8|weight-int4|fp16|bf16",
                "         [--calib 32] [--per-channel] [--engine x86|fbgemm|qnnpack|onednn] [--group 64]",
                "         [--epochs 1] [--data DIR]",
                "  dynamic, static, qat: MODEL.pt is an nn.Sequential saved with torch.jit.script (nested allowed) of",
                "    Linear, Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Dropout, LogSoftmax, Softmax, Identity;",
                "    OUT is TorchScript that Python's torch.jit.load runs (int8 kernels).",
                "    static calibrates on --calib batches of 64 Fashion-MNIST training images (--data DIR); qat",
                "    fine-tunes --epochs on them (Adam 1e-4; the model must output log-probabilities), then converts.",
                "  weight-int8, weight-int4: any TorchScript module; OUT is a weight-only file (int4: --group inputs",
                "    per scale) that torch.load reads and TorchSlim's WeightOnlyFile.load dequantizes.",
                "  fp16, bf16: any TorchScript module, cast; OUT is TorchScript.");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args args = Args.parse(argv, Set.of("in", "out", "mode", "calib", "engine", "group", "epochs", "data"),
                Set.of("per-channel"));
        Path in = Paths.get(args.require("in"));
        Path out = Paths.get(args.require("out"));
        String mode = args.require("mode");
        if (!MODES.contains(mode)) {
            throw new UsageException("--mode must be one of " + String.join(", ", MODES) + ", got '" + mode + "'");
        }
        if (!Files.isRegularFile(in)) {
            throw new IllegalArgumentException("--in " + in + " is not a file");
        }
        boolean perChannel = args.flag("per-channel");
        Engine engine = Engine.parse(args.get("engine", "default"));
        int calib = args.intValue("calib", 32, 1, 100_000);
        int group = args.intValue("group", 64, 2, 1 << 20);
        int epochs = args.intValue("epochs", 1, 1, 100);
        Path data = Paths.get(args.get("data", FashionMnist.defaultDir().toString()));
        PrintStream o = System.out;
        NativeLibrary.ensureLoaded();
        switch (mode) {
            case "weight-int8" -> TorchScriptFiles.saveWeightOnly(in, WeightOnlyConfig.int8(), out);
            case "weight-int4" -> TorchScriptFiles.saveWeightOnly(in, WeightOnlyConfig.int4(group), out);
            case "fp16" -> TorchScriptFiles.castPrecision(in, out, HalfPrecisionConfig.fp16());
            case "bf16" -> TorchScriptFiles.castPrecision(in, out, HalfPrecisionConfig.bf16());
            default -> int8(in, out, mode, perChannel, engine, calib, epochs, data, o);
        }
        o.printf("%s: %s (%d bytes) -> %s (%d bytes), %.2fx smaller%n", mode, in, Files.size(in), out, Files.size(out),
                (double) Files.size(in) / Files.size(out));
        return 0;
    }

    private static void int8(Path in, Path out, String mode, boolean perChannel, Engine engine, int calib, int epochs,
            Path data, PrintStream o) throws Exception {
        SequentialImpl model = TorchScriptFiles.importSequential(in);
        try (TensorScope scope = new TensorScope()) {
            QuantizedModel q;
            if (mode.equals("dynamic")) {
                q = Quantize.apply(model, new Int8DynamicConfig(perChannel, engine));
            } else {
                try (Dataset train = FashionMnist.train(data)) {
                    if (mode.equals("static")) {
                        List<Tensor> batches = new ArrayList<>();
                        for (long b = 0; b < calib && (b + 1) * 64 <= train.size(); b++) {
                            batches.add(train.images().narrow(0, b * 64, 64));
                        }
                        q = Quantize.apply(model, Int8StaticConfig.config().withPerChannel(perChannel)
                                .withEngine(engine), batches);
                    } else {
                        q = qat(model, train, new Int8QatConfig(Int8QatConfig.config().observer(), perChannel, engine),
                                epochs);
                    }
                }
            }
            try (q) {
                q.saveTorchScript(out);
                o.print(q.describe());
            }
        }
    }

    private static QuantizedModel qat(SequentialImpl model, Dataset train, Int8QatConfig config, int epochs) {
        List<Layer> layers = Quantize.layers(model);
        if (!layers.get(layers.size() - 1).kind().equals("LogSoftmax")) {
            throw new IllegalArgumentException("qat fine-tunes with the NLL loss: the model must end with LogSoftmax");
        }
        try (QatModel qat = Quantize.prepareQat(model, config)) {
            Adam adam = new Adam(model.parameters(), new AdamOptions(1e-4));
            model.train(true);
            for (int e = 0; e < epochs; e++) {
                for (long from = 0; from < train.size(); from += 64) {
                    try (TensorScope step = new TensorScope()) {
                        long len = Math.min(64, train.size() - from);
                        adam.zero_grad();
                        torch.nll_loss(qat.forward(train.images().narrow(0, from, len)),
                                train.labels().narrow(0, from, len)).backward();
                        adam.step();
                    }
                }
            }
            model.eval();
            return qat.convert();
        }
    }
}
