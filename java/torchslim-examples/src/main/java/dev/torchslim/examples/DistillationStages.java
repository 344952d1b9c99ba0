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
 * (the teacher, frozen; its outputs computed once over the students' rows). Both students see
 * only the first {@link #TRAIN_ROWS} labelled training rows (the teacher was trained on all of
 * them): with the full set and 3 epochs the 3,146-parameter student comes within a point of its
 * teacher and KD gained under 1 pt; with little labelled data the teacher's soft targets carry
 * what the labels do not (docs/distillation.md, "Does it help the demo's student?").
 */
public final class DistillationStages {
    /** The labelled rows both students train on: the first rows of the training set. */
    static final int TRAIN_ROWS = 1000;
    /** Epochs over those rows (40 x 1,000 rows: fewer steps than one epoch of the full set). */
    static final int EPOCHS = 40;
    static final int BATCH = 64;
    static final double LEARNING_RATE = 1e-3;
    static final long STUDENT_SEED = 101;
    static final long SHUFFLE_SEED = 1;
    /**
     * Over three seeds on these rows: Java +1.73/+1.19/+1.97 pt, Python peer +2.62/+1.61/+0.91 (alpha 0.5: Java
     * +1.40/+0.89/+1.65, Python +1.64/+1.47/+1.06; temperatures above 1 lost points).
     */
    static final KdConfig KD = new KdConfig(1, 0.7);

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
        return studentFromScratch(studentSeed, shuffleSeed, EPOCHS);
    }

    /**
     * The student from scratch at other seeds and epochs.
     *
     * @param studentSeed the seed of the student's initial weights
     * @param shuffleSeed the seed of the batch order
     * @param epochs the epochs over the students' rows
     * @return the stage
     */
    public static DemoStage studentFromScratch(long studentSeed, long shuffleSeed, int epochs) {
        return ctx -> {
            try (ScriptModel student = student(studentSeed); TensorScope scope = new TensorScope()) {
                TensorData rows = studentRows(ctx);
                List<Double> losses = GraphTrainer.fit(student, rows, Loss.NLL, config(shuffleSeed, epochs));
                ctx.out().printf("  student from scratch: %d rows, %d epochs, loss per epoch %s%n", rows.size(), epochs,
                        rounded(losses));
                ctx.recordScriptModel("student from scratch", student);
            }
        };
    }

    /**
     * The student distilled from the baseline with the demo's KD settings (T 1, alpha 0.7).
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
        return distilledStudent(kd, hints, studentSeed, shuffleSeed, EPOCHS);
    }

    /**
     * The distilled student with feature hints (null for logit KD alone), other seeds and epochs.
     *
     * @param kd temperature and weight of the soft loss
     * @param hints the feature hints, or null
     * @param studentSeed the seed of the student's initial weights
     * @param shuffleSeed the seed of the batch order
     * @param epochs the epochs over the students' rows
     * @return the stage
     */
    public static DemoStage distilledStudent(KdConfig kd, HintConfig hints, long studentSeed, long shuffleSeed,
            int epochs) {
        return ctx -> {
            try (ScriptModel student = student(studentSeed); ScriptModel teacher = teacher(ctx);
                 TensorScope scope = new TensorScope()) {
                TensorData rows = studentRows(ctx);
                List<Double> losses;
                if (hints == null) {
                    Tensor soft = TeacherLogits.compute(teacher, rows.x(), 1000);
                    losses = Distiller.fit(student, soft, rows, kd, config(shuffleSeed, epochs));
                } else {
                    losses = Distiller.fit(student, teacher, rows, kd, hints, config(shuffleSeed, epochs), null);
                }
                ctx.out().printf("  distilled student: teacher baseline, %d rows, %d epochs, T %.3g, alpha %.3g%s, loss per"
                        + " epoch %s%n", rows.size(), epochs, kd.temperature(), kd.alpha(), hints == null ? "" : ", hints "
                        + hints.hints() + " "
                                + hints.loss().key() + " x" + hints.weight(), rounded(losses));
                ctx.recordScriptModel("distilled student", student);
            }
        };
    }

    static GraphTrainer.Config config(long shuffleSeed, int epochs) {
        return new GraphTrainer.Config(BATCH, LEARNING_RATE, epochs, shuffleSeed);
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

    /** The first {@link #TRAIN_ROWS} training rows (all of them when the set is smaller). */
    static TensorData studentRows(DemoContext ctx) {
        long n = Math.min(TRAIN_ROWS, ctx.train().images().size(0));
        return TensorData.of("fashion-mnist train, first " + n + " rows", ctx.train().images().narrow(0, 0, n),
                ctx.train().labels().narrow(0, 0, n));
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
