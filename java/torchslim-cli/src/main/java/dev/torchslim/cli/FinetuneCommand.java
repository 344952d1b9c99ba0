package dev.torchslim.cli;

import dev.torchslim.core.ModelFiles;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.OutputFiles;
import dev.torchslim.data.TensorData;
import dev.torchslim.distributed.DataParallelGroup;
import dev.torchslim.distributed.Rendezvous;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.train.GraphTrainer;
import dev.torchslim.train.Loss;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;

/** ./torchslim finetune: trains any TorchScript model on the user's data; pruned weights stay zero. */
public final class FinetuneCommand implements Command {
    @Override
    public String name() {
        return "finetune";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "finetune --in MODEL.pt --out TUNED.pt --data TRAIN.pt [--loss ce|nll|mse] [--epochs 1] [--batch 64]",
                "         [--lr 1e-3] [--seed 0] [--no-keep-zeros] [--nproc N] [--json REPORT.json]",
                "  TRAIN.pt: torch.save({'x': X, 'y': Y}, 'train.pt') in Python. Adam, shuffled with --seed.",
                "  Weights that are exactly zero (pruned) stay zero unless --no-keep-zeros.",
                "  TUNED.pt: TorchScript that Python's torch.jit.load runs.",
                DistributedOptions.USAGE);
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args args = Args.parse(argv, DistributedOptions.with(Set.of("in", "out", "data", "loss", "epochs", "batch", "lr", "seed", "json")),
                Set.of("no-keep-zeros", "force"));
        Path in = Paths.get(args.require("in"));
        Path out = Paths.get(args.require("out"));
        Path dataFile = Paths.get(args.require("data"));
        Rendezvous rendezvous = DistributedOptions.rendezvous(args);
        if (rendezvous == null || rendezvous.rank() == 0) {
            OutputFiles.check(in, out, args.flag("force"));
        }
        ModelFiles.requireTorchScript(in);
        JsonReport report = JsonReport.of(args, name(), in, out, dataFile);
        Loss loss = Loss.parse(args.get("loss", "ce"));
        GraphTrainer.Config config = new GraphTrainer.Config(args.intValue("batch", 64, 1, 1_000_000),
                args.doubleValue("lr", 1e-3, 1e-12, 10), args.intValue("epochs", 1, 1, 10_000),
                args.intValue("seed", 0, 0, Integer.MAX_VALUE));
        if (DistributedOptions.launches(args)) {
            return DistributedOptions.launch(name(), argv, args);
        }
        PrintStream o = System.out;
        NativeLibrary.ensureLoaded();
        TensorData data = TensorData.load(dataFile);
        try (DataParallelGroup group = DistributedOptions.join(args); ScriptModel model = ScriptModel.load(in)) {
            long zerosBefore = model.parameterCount() - model.nonzeroParameterCount();
            long t0 = System.nanoTime();
            List<Double> losses = GraphTrainer.fit(model, data, (output, target, rows) -> loss.compute(output, target),
                    config, !args.flag("no-keep-zeros"), group);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (DistributedOptions.writes(group)) {
                model.save(out);
                o.printf("finetune: %s -> %s, %d epochs, mean loss per epoch %s%n", in, out, config.epochs(), losses);
                o.printf("  zero weights before %d, after %d%n", zerosBefore, model.parameterCount() - model.nonzeroParameterCount());
                o.printf("  training took %.2f s on %d process(es)%n", seconds, group == null ? 1 : group.worldSize());
                if (group != null) {
                    o.printf("  %s (rank 0, overlap %s)%n", group.gradientStats().summary(), group.overlap() ? "on" : "off");
                }
                report.put("input", in.toString()).put("output", out.toString()).put("data", dataFile.toString())
                        .put("epochs", config.epochs()).put("batch", config.batchSize()).put("lr", config.learningRate())
                        .put("mean_loss_per_epoch", losses).put("zero_weights_before", zerosBefore)
                        .put("zero_weights_after", model.parameterCount() - model.nonzeroParameterCount())
                        .put("seconds", seconds).put("processes", group == null ? 1 : group.worldSize());
                report.write(o, config.seed());
            }
            if (group != null) {
                group.barrier();  // every rank exits 0 only once the output is written
            }
        }
        return 0;
    }
}
