package dev.torchslim.cli;

import dev.torchslim.core.NativeLibrary;
import dev.torchslim.data.TensorData;
import dev.torchslim.distributed.DataParallelGroup;
import dev.torchslim.distill.Distiller;
import dev.torchslim.distill.Hint;
import dev.torchslim.distill.HintConfig;
import dev.torchslim.distill.HintLoss;
import dev.torchslim.distill.KdConfig;
import dev.torchslim.distill.TeacherLogits;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.train.GraphTrainer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/** ./torchslim distill: a student TorchScript file trained against a teacher's soft outputs. */
public final class DistillCommand implements Command {
    @Override
    public String name() {
        return "distill";
    }

    @Override
    public String usage() {
        return String.join("\n",
                "distill --teacher T.pt --student S.pt --out D.pt --data TRAIN.pt [--temperature 4] [--alpha 0.9]",
                "        [--hint TEACHER_LAYER:STUDENT_LAYER[,...]]... [--hint-loss mse|at] [--hint-weight 1]",
                "        [--epochs 1] [--batch 64] [--lr 1e-3] [--seed 0] [--nproc N] [--json REPORT.json]",
                "  Trains S.pt (any TorchScript file) on TRAIN.pt (torch.save({'x': X, 'y': Y})) with",
                "  alpha * KL(softmax(t/T) || softmax(s/T)) * T^2 + (1 - alpha) * CE(s, y); the teacher is frozen",
                "  (eval mode, no gradients) and run once over the data. D.pt runs in Python's torch.jit.load.",
                "  --hint adds feature distillation (repeatable, or a comma list of module paths as listed by",
                "  ScriptModel.modules()): the student layer's output is matched to the teacher layer's by",
                "  MSE through a learned 1x1-conv (4-D) / linear adapter when channels differ (FitNets), or by",
                "  attention transfer (--hint-loss at, 4-D only); a teacher map larger than the student's is",
                "  average-pooled to the student's size. The hint losses are summed, times --hint-weight, and",
                "  added to the KD loss; the teacher then runs per batch. Adapters are not saved into D.pt.",
                DistributedOptions.USAGE);
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args args = Args.parse(argv, DistributedOptions.with(Set.of("teacher", "student", "out", "data", "temperature",
                "alpha", "epochs", "batch", "lr", "seed", "hint", "hint-loss", "hint-weight", "json")), Set.of(), Set.of("hint"));
        Path teacherFile = Paths.get(args.require("teacher"));
        Path studentFile = Paths.get(args.require("student"));
        Path out = Paths.get(args.require("out"));
        Path dataFile = Paths.get(args.require("data"));
        for (Path p : List.of(teacherFile, studentFile, dataFile)) {
            if (!Files.isRegularFile(p)) {
                throw new UsageException(p + " is not a file");
            }
        }
        KdConfig kd = new KdConfig(args.doubleValue("temperature", 4, 1e-6, 1e6), args.doubleValue("alpha", 0.9, 0, 1));
        GraphTrainer.Config config = new GraphTrainer.Config(args.intValue("batch", 64, 1, 1 << 20),
                args.doubleValue("lr", 1e-3, 1e-12, 10), args.intValue("epochs", 1, 1, 10_000),
                args.intValue("seed", 0, 0, Integer.MAX_VALUE));
        HintConfig hints = hints(args);
        JsonReport report = JsonReport.of(args, name(), teacherFile, studentFile, out, dataFile);
        if (DistributedOptions.launches(args)) {
            return DistributedOptions.launch(name(), argv, args);
        }
        PrintStream o = System.out;
        NativeLibrary.ensureLoaded();
        TensorData data = TensorData.load(dataFile);
        if (!data.hasTargets() && kd.alpha() < 1) {
            throw new IllegalArgumentException(dataFile + " has no targets ('y'): give --alpha 1 or save {'x': X, 'y': Y}");
        }
        try (DataParallelGroup group = DistributedOptions.join(args); ScriptModel teacher = ScriptModel.load(teacherFile);
             ScriptModel student = ScriptModel.load(studentFile)) {
            List<Double> losses;
            if (hints != null) {
                o.printf("hints %s, loss %s, weight %.3g%n", hints.hints(), hints.loss().key(), hints.weight());
                losses = Distiller.fit(student, teacher, data, kd, hints, config, group);
            } else {
                long t0 = System.nanoTime();
                Tensor soft = TeacherLogits.compute(teacher, data.x(), 256);
                o.printf("teacher: %d outputs of %d classes in %.1f s%n", soft.size(0), soft.size(1), (System.nanoTime() - t0) / 1e9);
                losses = Distiller.fit(student, soft, data, kd, config, group);
            }
            if (DistributedOptions.writes(group)) {
                for (int e = 0; e < losses.size(); e++) {
                    o.printf("  epoch %d: KD loss %.4f (T %.3g, alpha %.3g)%n", e + 1, losses.get(e), kd.temperature(), kd.alpha());
                }
                student.save(out);
                o.printf("distilled %s from %s -> %s%n", studentFile, teacherFile, out);
                report.put("teacher", teacherFile.toString()).put("student", studentFile.toString())
                        .put("output", out.toString()).put("data", dataFile.toString())
                        .put("temperature", kd.temperature()).put("alpha", kd.alpha())
                        .put("hints", hints == null ? List.of() : hints.hints().stream().map(Object::toString).toList())
                        .put("epochs", config.epochs()).put("batch", config.batchSize()).put("lr", config.learningRate())
                        .put("kd_loss_per_epoch", losses);
                report.write(o, config.seed());
            }
            if (group != null) {
                group.barrier();  // every rank exits 0 only once the output is written
            }
        }
        return 0;
    }

    static HintConfig hints(Args args) {
        String text = args.get("hint", null);
        if (text == null) {
            if (args.get("hint-loss", null) != null || args.get("hint-weight", null) != null) {
                throw new UsageException("--hint-loss and --hint-weight need --hint teacherLayer:studentLayer");
            }
            return null;
        }
        try {
            return new HintConfig(Hint.parse(text), HintLoss.parse(args.get("hint-loss", "mse")),
                    args.doubleValue("hint-weight", 1, 0, 1e9));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
