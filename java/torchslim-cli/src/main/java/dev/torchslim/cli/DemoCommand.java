package dev.torchslim.cli;

import dev.torchslim.examples.QuantizationStages;
import dev.torchslim.examples.PruningStages;
import dev.torchslim.examples.LowRankStages;
import dev.torchslim.examples.DistillationStages;
import dev.torchslim.examples.DemoStage;
import dev.torchslim.examples.DemoContext;
import dev.torchslim.core.AtomicFiles;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.OutputFiles;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.examples.data.Dataset;
import dev.torchslim.examples.data.FashionMnist;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.prune.PruneTarget;
import dev.torchslim.prune.PruneTargets;
import dev.torchslim.examples.report.Plots;
import dev.torchslim.report.RunEnvironment;
import dev.torchslim.examples.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.global.torch;

/** The main job: train (or reuse) the SimpleModel baseline on Fashion-MNIST, then every stage. */
public final class DemoCommand implements Command {
    /** fc1 (50x320) at rank 12: 16,000 -> 4,440 weights, 3.6x fewer. */
    public static final int LOW_RANK_FC1 = 12;

    /** The pipeline, in order. Each technique adds its stages here. */
    static List<DemoStage> stages() {
        return List.of(ctx -> ctx.recordModule("baseline", ctx.baseline()),
                PruningStages.globalL1(0.5, 1),
                PruningStages.globalL1(0.9, 1),
                PruningStages.channelsRemoved(0.5, 1),
                QuantizationStages.dynamicInt8(),
                QuantizationStages.staticInt8(),
                QuantizationStages.qatInt8(),
                QuantizationStages.onnxInt8(),
                DistillationStages.studentFromScratch(),
                DistillationStages.distilledStudent(),
                LowRankStages.fc1(LOW_RANK_FC1, 1));
    }

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "demo [--epochs 3] [--json FILE] [--data DIR] [--cache DIR] [--retrain] [--seed 1] [--threads N]",
                "  Trains SimpleModel on Fashion-MNIST (or reuses the cached baseline), runs every compression",
                "  stage and prints accuracy, parameters, non-zeros, saved size and latency per batch of 64.",
                "  --json FILE   also write {\"environment\":{...},\"stages\":[...]} to FILE and PNG plots beside it",
                "                (FILE-accuracy-size.png, FILE-accuracy-latency.png, FILE-sparsity.png)",
                "  --data DIR    IDX files (default /usr/share/datasets/fashion-mnist, package dataset-fashion-mnist)",
                "  --cache DIR   where the trained baseline is kept (default target/demo-cache of the project)",
                "  --retrain     train the baseline even if a cached one exists");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args args = Args.parse(argv, Set.of("epochs", "json", "data", "cache", "seed", "threads"), Set.of("retrain"));
        int epochs = args.intValue("epochs", 3, 1, 100);
        long seed = args.intValue("seed", 1, 0, Integer.MAX_VALUE);
        int threads = args.intValue("threads", 0, 1, 1024); // 0: not given, LibTorch's default
        Path data = Paths.get(args.get("data", FashionMnist.defaultDir().toString()));
        Path cache = args.get("cache", null) != null ? Paths.get(args.get("cache", null)) : defaultCache();
        Path json = args.get("json", null) == null ? null : Paths.get(args.get("json", null));
        if (json != null) {
            OutputFiles.check(null, json, false); // before minutes of training, not after
        }
        PrintStream out = System.out;

        NativeLibrary.ensureLoaded();
        if (threads > 0) {
            TorchSlim.setNumThreads(threads);
        }
        out.printf("TorchSlim %s on LibTorch %s, %d threads%n", TorchSlim.version(), TorchSlim.torchVersion(),
                TorchSlim.numThreads());
        try (Dataset train = FashionMnist.train(data); Dataset test = FashionMnist.test(data)) {
            Trainer trainer = new Trainer(train, test, Trainer.Config.defaults().withSeed(seed));
            Path cached = cache.resolve("simple-model-e" + epochs + "-s" + seed + ".pt");
            SequentialImpl baseline = baseline(trainer, epochs, seed, cached, args.flag("retrain"), out);
            DemoContext ctx = new DemoContext(trainer, baseline, out);
            out.println();
            out.println(dev.torchslim.examples.report.StageTable.header());
            for (DemoStage stage : stages()) {
                stage.run(ctx);
            }
            ctx.table().printSummary(out);
            if (json != null) {
                ctx.table().writeJson(json, RunEnvironment.current(seed));
                out.println("wrote " + json);
                for (Path png : writePlots(ctx, json)) {
                    out.println("wrote " + png);
                }
            }
        }
        return 0;
    }

    /**
     * PNG plots beside the JSON file (NAME.json -> NAME-accuracy-size.png, NAME-accuracy-latency.png,
     * NAME-sparsity.png with the per-layer sparsity of the pruned models).
     */
    static List<Path> writePlots(DemoContext ctx, Path json) throws IOException {
        String stem = json.getFileName().toString().replaceFirst("\\.json$", "");
        Path dir = json.toAbsolutePath().getParent();
        List<Path> written = new java.util.ArrayList<>();
        Path size = dir.resolve(stem + "-accuracy-size.png");
        Plots.accuracyVsSize(ctx.table(), size);
        written.add(size);
        Path latency = dir.resolve(stem + "-accuracy-latency.png");
        Plots.accuracyVsLatency(ctx.table(), latency);
        written.add(latency);
        List<String> names = new java.util.ArrayList<>();
        List<Double> sparsity = new java.util.ArrayList<>();
        for (String stage : List.of("pruned 50%", "pruned 90%")) {
            ctx.kept(stage).ifPresent(model -> {
                for (PruneTarget t : PruneTargets.find(model, PruneTargets.CONV_AND_LINEAR, Set.of())) {
                    long numel = t.weight().numel();
                    long nonzero = t.weight().count_nonzero().item_long();
                    names.add(stage + " " + t.name());
                    sparsity.add(numel == 0 ? 0.0 : 100.0 * (numel - nonzero) / numel);
                }
            });
        }
        if (!names.isEmpty()) {
            Path bars = dir.resolve(stem + "-sparsity.png");
            Plots.bars("Per-layer sparsity of the pruned models", "sparsity (%)", names, sparsity, bars);
            written.add(bars);
        }
        return written;
    }

    /** target/demo-cache of the project (the launcher passes -Dtorchslim.home), else of the current directory. */
    static Path defaultCache() {
        String home = System.getProperty("torchslim.home");
        Path target = Paths.get("target", "demo-cache");
        return home == null || home.isEmpty() ? target : Paths.get(home).resolve(target);
    }

    private static SequentialImpl baseline(Trainer trainer, int epochs, long seed, Path cached, boolean retrain,
            PrintStream out) throws IOException {
        torch.manual_seed(seed);
        SequentialImpl model = SimpleModel.create();
        if (!retrain && Files.isRegularFile(cached)) {
            try (InputArchive archive = new InputArchive()) {
                archive.load_from(cached.toString());
                model.load(archive);
            }
            out.println("baseline: reusing " + cached + " (--retrain to train again)");
            return model;
        }
        out.printf("baseline: training SimpleModel for %d epochs (Adam lr %.0e, batch %d)%n", epochs,
                trainer.config().learningRate(), trainer.config().batchSize());
        for (Trainer.EpochResult r : trainer.train(model, epochs)) {
            out.printf("  epoch %d: loss %.4f, %.1f s%n", r.epoch(), r.meanLoss(), r.seconds());
        }
        AtomicFiles.write(cached, tmp -> {
            try (OutputArchive archive = new OutputArchive()) {
                model.save(archive);
                archive.save_to(tmp.toString());
            }
        });
        return model;
    }
}
