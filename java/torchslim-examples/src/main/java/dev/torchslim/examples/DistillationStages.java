package dev.torchslim.examples;

import dev.torchslim.core.TensorScope;
import dev.torchslim.data.TensorData;
import dev.torchslim.distill.Distiller;
import dev.torchslim.distill.HintConfig;
import dev.torchslim.distill.KdConfig;
import dev.torchslim.distill.TeacherLogits;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.examples.model.StudentModel;
import dev.torchslim.train.GraphTrainer;
import dev.torchslim.train.Loss;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The demo's distillation stages: the same {@link StudentModel} (same initial weights, same
 * epochs, same batch order) trained from scratch with NLL, and distilled from the baseline
 * (the teacher, frozen; its outputs computed once over the training set).
 */
public final class DistillationStages {
    static final int EPOCHS = 3;
    static final int BATCH = 64;
    static final double LEARNING_RATE = 1e-3;
    static final long STUDENT_SEED = 101;
    static final long SHUFFLE_SEED = 1;
    /** The best of the Python peer's grid with this teacher (T 4, alpha 0.9 lost 4 points there). */
    static final KdConfig KD = new KdConfig(1, 0.5);

    private DistillationStages() {}

    /**
     * The student trained from scratch on the labels with NLL, the reference for distillation.
     *
     * @return the stage
     */
    public static DemoStage studentFromScratch() {
        return studentFromScratch(STUDENT_SEED, SHUFFLE_SEED);
    }

    /**
     * The student from scratch at other seeds (for reporting several).
     *
     * @param studentSeed the seed of the student's initial weights
     * @param shuffleSeed the seed of the batch order
     * @return the stage
     */
    public static DemoStage studentFromScratch(long studentSeed, long shuffleSeed) {
        return ctx -> {
            try (ScriptModel student = student(studentSeed); TensorScope scope = new TensorScope()) {
                List<Double> losses = GraphTrainer.fit(student, data(ctx), Loss.NLL, config(shuffleSeed));
                ctx.out().printf("  student from scratch: %d epochs, loss per epoch %s%n", EPOCHS, rounded(losses));
                ctx.recordScriptModel("student from scratch", student);
            }
        };
    }

    /**
     * The student distilled from the baseline with the demo's KD settings (T 1, alpha 0.5).
     *
     * @return the stage
     */
    public static DemoStage distilledStudent() {
        return distilledStudent(KD);
    }

    /**
     * The distilled student with other KD settings (for searching them).
     *
     * @param kd temperature and weight of the soft loss
     * @return the stage
     */
    public static DemoStage distilledStudent(KdConfig kd) {
        return distilledStudent(kd, null, STUDENT_SEED, SHUFFLE_SEED);
    }

    /**
     * The distilled student with feature hints (null for logit KD alone) and other seeds.
     *
     * @param kd temperature and weight of the soft loss
     * @param hints the feature hints, or null
     * @param studentSeed the seed of the student's initial weights
     * @param shuffleSeed the seed of the batch order
     * @return the stage
     */
    public static DemoStage distilledStudent(KdConfig kd, HintConfig hints, long studentSeed, long shuffleSeed) {
        return ctx -> {
            try (ScriptModel student = student(studentSeed); ScriptModel teacher = teacher(ctx);
                 TensorScope scope = new TensorScope()) {
                List<Double> losses;
                if (hints == null) {
                    Tensor soft = TeacherLogits.compute(teacher, ctx.train().images(), 1000);
                    losses = Distiller.fit(student, soft, data(ctx), kd, config(shuffleSeed));
                } else {
                    losses = Distiller.fit(student, teacher, data(ctx), kd, hints, config(shuffleSeed), null);
                }
                ctx.out().printf("  distilled student: teacher baseline, T %.3g, alpha %.3g%s, loss per epoch %s%n",
                        kd.temperature(), kd.alpha(), hints == null ? "" : ", hints " + hints.hints() + " "
                                + hints.loss().key() + " x" + hints.weight(), rounded(losses));
                ctx.recordScriptModel("distilled student", student);
            }
        };
    }

    static GraphTrainer.Config config(long shuffleSeed) {
        return new GraphTrainer.Config(BATCH, LEARNING_RATE, EPOCHS, shuffleSeed);
    }

    /**
     * The student at its seeded initial weights (the same for both stages). Models are made
     * outside any TensorScope: a scope would free their native handles when it closes.
     */
    static ScriptModel student(long seed) {
        torch.manual_seed(seed);
        return ScriptModel.trace(StudentModel.create(), example());
    }

    /** The baseline, traced (a copy: the baseline is not changed). */
    static ScriptModel teacher(DemoContext ctx) {
        return ScriptModel.trace(ctx.baseline(), example());
    }

    static TensorData data(DemoContext ctx) {
        return TensorData.of("fashion-mnist train", ctx.train().images(), ctx.train().labels());
    }

    static Tensor example() {
        return torch.zeros(1, SimpleModel.INPUT_SHAPE[0], SimpleModel.INPUT_SHAPE[1], SimpleModel.INPUT_SHAPE[2]);
    }

    static String rounded(List<Double> values) {
        return values.stream().map(v -> String.format("%.4f", v)).toList().toString();
    }
}
