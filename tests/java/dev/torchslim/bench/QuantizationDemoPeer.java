package dev.torchslim.bench;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TensorScope;
import dev.torchslim.data.Dataset;
import dev.torchslim.data.FashionMnist;
import dev.torchslim.model.SimpleModel;
import dev.torchslim.oracle.Npy;
import dev.torchslim.quantize.Int8DynamicConfig;
import dev.torchslim.quantize.Int8StaticConfig;
import dev.torchslim.quantize.Quantize;
import dev.torchslim.quantize.QuantizedModel;
import dev.torchslim.train.Trainer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

/**
 * The demo's dynamic and static int8 stages on a saved SimpleModel, beside Python's
 * quantize_dynamic and eager static PTQ on the same weights (tests/oracle/quant_demo_peer.py).
 *
 * <pre>tests/bench/run.sh dev.torchslim.bench.QuantizationDemoPeer [model.pt]</pre>
 */
public final class QuantizationDemoPeer {
    private QuantizationDemoPeer() {}

    public static void main(String[] args) throws Exception {
        Path saved = Paths.get(args.length > 0 ? args[0] : "target/demo-cache/simple-model-e3-s42.pt");
        NativeLibrary.ensureLoaded();
        SequentialImpl model = SimpleModel.create();
        try (InputArchive archive = new InputArchive()) {
            archive.load_from(saved.toString());
            model.load(archive);
        }
        model.eval();
        Path dir = Files.createTempDirectory("torchslim-demo-peer");
        StringTensorDict params = model.named_parameters();
        for (long i = 0; i < params.size(); i++) {
            Npy.write(dir.resolve(params.get(i).key().getString() + ".npy"), params.get(i).value());
        }
        try (Dataset train = FashionMnist.train(FashionMnist.defaultDir());
             Dataset test = FashionMnist.test(FashionMnist.defaultDir());
             TensorScope scope = new TensorScope()) {
            List<Tensor> calibration = new ArrayList<>();
            for (int b = 0; b < 32; b++) {
                calibration.add(train.images().narrow(0, b * 64L, 64));
            }
            double fp32 = Trainer.accuracy(model::forward, test);
            double dynamic;
            double stat;
            try (QuantizedModel q = Quantize.apply(model, Int8DynamicConfig.config())) {
                dynamic = Trainer.accuracy(q::forward, test);
            }
            try (QuantizedModel q = Quantize.apply(model, Int8StaticConfig.config(), calibration)) {
                stat = Trainer.accuracy(q::forward, test);
            }
            Process p = new ProcessBuilder("target/pyenv/bin/python", "tests/oracle/quant_demo_peer.py", dir.toString())
                    .redirectErrorStream(true).start();
            String py;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                py = r.lines().filter(l -> l.startsWith("{")).findFirst().orElse("(no output)");
            }
            p.waitFor();
            System.out.printf(Locale.ROOT, "%s%njava:   fp32 %.4f, dynamic int8 %.4f, static int8 %.4f%npython: %s%n", saved,
                    fp32, dynamic, stat, py);
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }
}
