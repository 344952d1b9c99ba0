package dev.torchslim.examples;

import dev.torchslim.cli.DemoCommand;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.TorchSlim;
import dev.torchslim.examples.data.Dataset;
import dev.torchslim.examples.data.FashionMnist;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.examples.report.StageTable;
import dev.torchslim.examples.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.SequentialImpl;

/**
 * Runs only the distillation and low-rank demo stages on the demo's cached baseline (not a test):
 * the same rows as ./torchslim demo, without re-running the pruning and int8 stages.
 *
 * <pre>tests/bench/run.sh dev.torchslim.examples.DemoStagesRun [target/demo-cache/simple-model-e3-s1.pt] [threads 2]
 *     [T:alpha[:mse|at:weight:teacherLayer=studentLayer+...],...] [studentSeed:shuffleSeed]</pre>
 *
 * With a third argument, the student from scratch and distilled students at those points run (the
 * syntax of tests/oracle/hint_demo_peer.py); a fourth sets the seeds (default 101:1).
 */
public final class DemoStagesRun {
    private DemoStagesRun() {}

    public static void main(String[] args) throws Exception {
        Path cached = Path.of(args.length > 0 ? args[0] : "target/demo-cache/simple-model-e3-s1.pt");
        NativeLibrary.ensureLoaded();
        TorchSlim.setNumThreads(args.length > 1 ? Integer.parseInt(args[1]) : 2);
        try (Dataset train = FashionMnist.train(FashionMnist.defaultDir());
             Dataset test = FashionMnist.test(FashionMnist.defaultDir())) {
            Trainer trainer = new Trainer(train, test, Trainer.Config.defaults().withSeed(1));
            SequentialImpl baseline = SimpleModel.create();
            try (InputArchive archive = new InputArchive()) {
                archive.load_from(cached.toString());
                baseline.load(archive);
            }
            DemoContext ctx = new DemoContext(trainer, baseline, System.out);
            System.out.println(StageTable.header());
            List<DemoStage> stages = new java.util.ArrayList<>(List.of(ctx2 -> ctx2.recordModule("baseline", ctx2.baseline()),
                    DistillationStages.studentFromScratch(), DistillationStages.distilledStudent(),
                    LowRankStages.fc1(DemoCommand.LOW_RANK_FC1, 1)));
            if (args.length > 2) {
                long studentSeed = 101;
                long shuffleSeed = 1;
                if (args.length > 3) {
                    studentSeed = Long.parseLong(args[3].split(":")[0]);
                    shuffleSeed = Long.parseLong(args[3].split(":")[1]);
                }
                stages.clear();
                stages.add(DistillationStages.studentFromScratch(studentSeed, shuffleSeed));
                for (String point : args[2].split(",")) {
                    String[] ta = point.split(":");
                    dev.torchslim.distill.HintConfig hints = ta.length < 5 ? null : new dev.torchslim.distill.HintConfig(
                            dev.torchslim.distill.Hint.parse(ta[4].replace('=', ':').replace('+', ',')),
                            dev.torchslim.distill.HintLoss.parse(ta[2]), Double.parseDouble(ta[3]));
                    stages.add(DistillationStages.distilledStudent(new dev.torchslim.distill.KdConfig(
                            Double.parseDouble(ta[0]), Double.parseDouble(ta[1])), hints, studentSeed, shuffleSeed));
                }
            }
            for (DemoStage stage : stages) {
                stage.run(ctx);
            }
        }
    }
}
