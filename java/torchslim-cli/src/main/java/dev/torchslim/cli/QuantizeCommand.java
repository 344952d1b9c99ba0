package dev.torchslim.cli;

import dev.torchslim.core.ModelFiles;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.OutputFiles;
import dev.torchslim.data.TensorData;
import dev.torchslim.distill.KdConfig;
import dev.torchslim.distill.KdLoss;
import dev.torchslim.distill.TeacherLogits;
import dev.torchslim.distributed.DataParallel;
import dev.torchslim.distributed.DataParallelGroup;
import dev.torchslim.distributed.Rendezvous;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.quantize.AccuracyAwareInt8;
import dev.torchslim.quantize.Engine;
import dev.torchslim.quantize.HalfPrecisionConfig;
import dev.torchslim.quantize.Int8DynamicConfig;
import dev.torchslim.quantize.Int8QatConfig;
import dev.torchslim.quantize.Int8StaticConfig;
import dev.torchslim.quantize.Observer;
import dev.torchslim.quantize.Quantize;
import dev.torchslim.quantize.WeightOnlyConfig;
import dev.torchslim.train.GraphTrainer;
import dev.torchslim.train.Loss;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** ./torchslim quantize: any TorchScript file in, a TorchScript file Python runs out. */
public final class QuantizeCommand implements Command {
    /** Rows per forward pass when the fp32 model's outputs are computed as QAT targets. */
    private static final int TEACHER_BATCH = 64;
    static final List<String> MODES = List.of("dynamic", "static", "qat", "weight-int8", "weight-int4", "fp16", "bf16");

    @Override
    public String name() {
        return "quantize";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "quantize --in MODEL.pt --out OUT.pt --mode dynamic|static|qat|weight-int8|weight-int4|fp16|bf16",
                "         [--data DATA.pt|X.npy] [--calib 32] [--batch 32] [--observer minmax|moving_average|histogram]",
                "         [--per-channel|--per-tensor] [--engine x86|fbgemm|qnnpack|onednn] [--keep-float fc,classifier]",
                "         [--loss ce|nll|mse|fp32-mse|fp32-kd] [--temperature 1] [--epochs 1] [--lr 1e-4] [--seed 0]",
                "         [--group 64] [--cast-output]",
                "         [--min-agreement 0.95 [--float-candidates features.*.0,SqueezeExcitation]] [--json REPORT.json]",
                "  MODEL.pt: any TorchScript file (torch.jit.script(m).save or torch.jit.trace(m, x).save).",
                "  OUT.pt: TorchScript that Python's torch.jit.load runs, without TorchSlim.",
                "  Weights: per output channel for static and qat, per tensor for dynamic (PyTorch's defaults);",
                "    --per-channel / --per-tensor choose.",
                "  dynamic: int8 weights for every Linear, LSTM and GRU; activations quantized per call.",
                "  static: observers calibrated on --calib batches of --batch rows of --data (a torch.save'd",
                "    {'x': X, 'y': Y} dict, or a .npy array), Conv+BN folded, ReLU fused, quantized:: ops.",
                "  --keep-float: module paths, * patterns (features.*.0.block.2) or class names (SqueezeExcitation).",
                "  --min-agreement F (static): if int8's top-1 class agrees with fp32's on fewer than F of --data's",
                "    rows, keep the blocks (or --float-candidates) whose float copy helps most in float, one by one,",
                "    until it holds, then put back into int8 each block (or part of one) the floor does not need;",
                "    exits 1 without output if it cannot.",
                "  qat: fake-quantize, fine-tune --epochs on --data's x and y with --loss, then convert.",
                "    --loss fp32-mse|fp32-kd: the targets are the input model's own fp32 outputs on --data's x (no",
                "    labels needed; y is ignored): int8 learns to match fp32 (mean squared error on the outputs, or",
                "    KL divergence of the class distributions softened by --temperature).",
                "  weight-int8, weight-int4: integer weights (int4: --group inputs per scale) dequantized in forward.",
                "  fp16, bf16: floating weights and constants cast; floating inputs cast at the entry",
                "    (--cast-output: a tensor output back to float32).",
                "  qat only: [--nproc N] or --rank/--world-size/--master-addr/--master-port trains data-parallel",
                "    (--batch global; observers' min/max reduced over the ranks each step; see docs/distributed.md).");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args args = Args.parse(argv, DistributedOptions.with(Set.of("in", "out", "mode", "data", "calib", "batch",
                "observer", "engine", "keep-float", "min-agreement", "float-candidates", "loss", "temperature", "epochs", "lr", "seed", "group", "json")), Set.of("per-channel", "per-tensor", "cast-output", "force"));
        Path in = Paths.get(args.require("in"));
        Path out = Paths.get(args.require("out"));
        String mode = args.require("mode");
        if (!MODES.contains(mode)) {
            throw new UsageException("--mode must be one of " + String.join(", ", MODES) + ", got '" + mode + "'");
        }
        boolean distributed = DistributedOptions.launches(args) || DistributedOptions.rendezvous(args) != null;
        if (distributed && !mode.equals("qat")) {
            throw new UsageException("--nproc and --rank/--world-size train data-parallel: only --mode qat trains");
        }
        Rendezvous rendezvous = DistributedOptions.rendezvous(args);
        if (rendezvous == null || rendezvous.rank() == 0) {
            OutputFiles.check(in, out, args.flag("force"));
        }
        ModelFiles.requireTorchScript(in);
        JsonReport report = JsonReport.of(args, name(), in, out,
                args.get("data", null) == null ? null : Paths.get(args.get("data", null)));
        if (args.flag("per-channel") && args.flag("per-tensor")) {
            throw new UsageException("--per-channel and --per-tensor exclude each other");
        }
        boolean perChannel = args.flag("per-channel") || (!args.flag("per-tensor") && !mode.equals("dynamic"));
        Engine engine = Engine.parse(args.get("engine", "default"));
        int calib = args.intValue("calib", 32, 1, 1_000_000);
        int batch = args.intValue("batch", 32, 1, 1_000_000);
        int group = args.intValue("group", 64, 2, 1 << 20);
        int epochs = args.intValue("epochs", 1, 1, 1000);
        double lr = args.doubleValue("lr", 1e-4, 1e-12, 10);
        long seed = args.intValue("seed", 0, 0, Integer.MAX_VALUE);
        List<String> keepFloat = names(args, "keep-float");
        String dataArg = args.get("data", null);
        Double minAgreement = args.get("min-agreement", null) == null ? null
                : args.doubleValue("min-agreement", 1, 1e-9, 1);
        List<String> candidates = names(args, "float-candidates");
        String lossName = args.get("loss", "ce");
        double temperature = args.doubleValue("temperature", 1, 1e-6, 1e6);
        if (args.get("temperature", null) != null && !lossName.equals("fp32-kd")) {
            throw new UsageException("--temperature applies to --loss fp32-kd only");
        }
        // fp32-*: the targets are the input model's own outputs (TeacherLogits.asTargets below)
        boolean fp32Targets = lossName.startsWith("fp32-");
        GraphTrainer.BatchLoss qatLoss = switch (lossName) {
            case "fp32-mse" -> (output, target, rows) -> Loss.MSE.compute(output, target);
            case "fp32-kd" -> {
                KdConfig kd = new KdConfig(temperature, 1);
                yield (output, target, rows) -> KdLoss.compute(output, target, null, kd);
            }
            default -> {
                Loss labelled;
                try {
                    labelled = Loss.parse(lossName);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--loss must be ce, nll, mse, fp32-mse or fp32-kd, got '" + lossName + "'");
                }
                yield (output, target, rows) -> labelled.compute(output, target);
            }
        };
        if ((minAgreement != null || !candidates.isEmpty()) && !mode.equals("static")) {
            throw new UsageException("--min-agreement and --float-candidates apply to --mode static only");
        }
        if (!candidates.isEmpty() && minAgreement == null) {
            throw new UsageException("--float-candidates needs --min-agreement");
        }
        if ((mode.equals("static") || mode.equals("qat")) && dataArg == null) {
            throw new UsageException("--mode " + mode + " needs --data: inputs to "
                    + (mode.equals("static") ? "calibrate on" : "train on")
                    + ", e.g. torch.save({'x': X, 'y': Y}, 'data.pt') in Python");
        }
        if (DistributedOptions.launches(args)) {
            return DistributedOptions.launch(name(), argv, args);
        }
        PrintStream o = System.out;
        List<String> keptFloat = keepFloat;
        Double agreement = null;
        NativeLibrary.ensureLoaded();
        try (DataParallelGroup dp = mode.equals("qat") ? DistributedOptions.join(args) : null;
             ScriptModel model = ScriptModel.load(in)) {
            model.eval();
            ScriptModel result = switch (mode) {
                case "dynamic" -> Quantize.apply(model,
                        Int8DynamicConfig.config().withPerChannel(perChannel).withEngine(engine), keepFloat);
                case "static" -> {
                    TensorData data = TensorData.load(Paths.get(dataArg));
                    Int8StaticConfig config = new Int8StaticConfig(Observer.parse(args.get("observer", "minmax")),
                            perChannel, engine);
                    if (minAgreement == null) {
                        yield Quantize.apply(model, config, data.batches(batch, calib), keepFloat);
                    }
                    AccuracyAwareInt8.Result r = AccuracyAwareInt8.apply(model, config, data.batches(batch, calib),
                            data.batches(batch, Integer.MAX_VALUE), minAgreement, keepFloat, candidates);
                    o.printf("static: top-1 agreement with fp32 on %d rows of %s: %.4f all int8, %.4f with %d module(s) "
                            + "in float %s (%d conversions)%n", data.size(), dataArg, r.fullInt8Agreement(), r.agreement(),
                            r.keptFloat().size(), r.keptFloat(), r.trials());
                    if (!r.sensitivity().isEmpty()) {
                        o.println("  agreement with one block in float, best first: " + r.sensitivity().entrySet().stream()
                                .limit(8).map(e -> String.format("%s %.4f", e.getKey(), e.getValue()))
                                .collect(Collectors.joining(", ")));
                    }
                    if (!r.met()) {
                        r.model().close();
                        throw new IllegalStateException(String.format("--min-agreement %s not reached: at best %.4f "
                                + "(%s in float); nothing written", minAgreement, r.agreement(), r.keptFloat()));
                    }
                    keptFloat = r.keptFloat();
                    agreement = r.agreement();
                    yield r.model();
                }
                case "qat" -> {
                    TensorData data = TensorData.load(Paths.get(dataArg));
                    if (fp32Targets) {
                        data = TeacherLogits.asTargets(model, data, TEACHER_BATCH);
                    }
                    ScriptModel prepared = Quantize.prepareQat(model,
                            Int8QatConfig.config().withPerChannel(perChannel).withEngine(engine), keepFloat);
                    // observer numbering differs between processes: every rank trains rank 0's graph
                    try (ScriptModel qat = dp == null ? prepared : DataParallel.fromRank0(dp, prepared)) {
                        List<Double> losses = GraphTrainer.fit(qat, data, qatLoss,
                                new GraphTrainer.Config(batch, lr, epochs, seed), false, dp);
                        if (dp == null || dp.rank() == 0) {
                            o.println("qat: mean loss per epoch " + losses);
                        }
                        yield Quantize.convert(qat, engine);
                    }
                }
                case "weight-int8" -> Quantize.apply(model, WeightOnlyConfig.int8());
                case "weight-int4" -> Quantize.apply(model, WeightOnlyConfig.int4(group));
                case "fp16" -> Quantize.apply(model, HalfPrecisionConfig.fp16().withCastOutput(args.flag("cast-output")));
                default -> Quantize.apply(model, HalfPrecisionConfig.bf16().withCastOutput(args.flag("cast-output")));
            };
            try (result) {
                if (!DistributedOptions.writes(dp)) {
                    dp.barrier();  // rank 0 writes; every rank exits 0 only once it has
                    return 0;
                }
                result.save(out);
                int quantizedOps = result.countOps("quantized::") + result.countOps("aten::quantized_");
                o.printf("%s: %s -> %s%n", mode, in, out);
                o.printf("  state %d -> %d bytes; file %d -> %d bytes (%.2fx smaller)%n", model.stateBytes(),
                        result.stateBytes(), Files.size(in), Files.size(out), (double) Files.size(in) / Files.size(out));
                if (mode.equals("dynamic") || mode.equals("static") || mode.equals("qat")) {
                    o.printf("  int8 ops in the graph: %d%n", quantizedOps);
                    if (quantizedOps == 0) {
                        o.println("  warning: no op was quantized (the model has no Linear/Conv/LSTM/GRU the passes reach)");
                    }
                }
                report.put("mode", mode).put("input", in.toString()).put("output", out.toString())
                        .put("per_channel", perChannel).put("engine", engine.toString())
                        .put("state_bytes_before", model.stateBytes()).put("state_bytes_after", result.stateBytes())
                        .put("file_bytes_before", Files.size(in)).put("file_bytes_after", Files.size(out))
                        .put("quantized_ops", quantizedOps).put("keep_float", keptFloat);
                if (agreement != null) {
                    report.put("min_agreement", minAgreement).put("agreement", agreement);
                }
                report.write(o, mode.equals("qat") ? seed : null);
                if (dp != null) {
                    dp.barrier();
                }
            }
        }
        return 0;
    }

    /** A comma-separated option as a list, blanks dropped and names trimmed (empty when absent). */
    private static List<String> names(Args args, String option) {
        return Arrays.stream(args.get(option, "").split(",")).filter(s -> !s.isBlank()).map(String::trim)
                .collect(Collectors.toList());
    }
}
