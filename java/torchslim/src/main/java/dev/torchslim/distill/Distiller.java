package dev.torchslim.distill;

import dev.torchslim.data.TensorData;
import dev.torchslim.distributed.DataParallelGroup;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.train.GraphTrainer;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The entry point of knowledge distillation: trains a student {@link ScriptModel} in place on the
 * data's inputs with {@link KdLoss} against a frozen teacher's outputs, through the shared
 * {@link GraphTrainer} (Adam, seeded shuffling). Teacher and student may each be a TorchScript
 * file or a traced Java Sequential; they must predict the same number of classes.
 *
 * <pre>{@code
 * Tensor soft = TeacherLogits.compute(teacher, data.x(), 256);      // once per data set
 * Distiller.fit(student, soft, data, KdConfig.defaults(), new GraphTrainer.Config(64, 1e-3, 3, 1));
 * }</pre>
 */
public final class Distiller {
    static final int TEACHER_BATCH = 256;

    private Distiller() {}

    /**
     * Computes the teacher's outputs once, then distils; returns the mean loss of each epoch.
     *
     * @param student the model to train, in place
     * @param teacher the frozen teacher
     * @param data inputs and labels
     * @param kd temperature and soft-loss weight
     * @param config batch size, learning rate, epochs and seed
     * @return the mean loss of each epoch
     */
    public static List<Double> fit(ScriptModel student, ScriptModel teacher, TensorData data, KdConfig kd,
            GraphTrainer.Config config) {
        return fit(student, TeacherLogits.compute(teacher, data.x(), TEACHER_BATCH), data, kd, config);
    }

    /**
     * Distils from cached teacher outputs, one row per row of data.
     *
     * @param student the model to train, in place
     * @param teacherLogits the teacher's outputs, one row per row of data
     * @param data inputs and labels
     * @param kd temperature and soft-loss weight
     * @param config batch size, learning rate, epochs and seed
     * @return the mean loss of each epoch
     */
    public static List<Double> fit(ScriptModel student, Tensor teacherLogits, TensorData data, KdConfig kd,
            GraphTrainer.Config config) {
        return fit(student, teacherLogits, data, kd, config, null);
    }

    /**
     * As {@link #fit(ScriptModel, Tensor, TensorData, KdConfig, GraphTrainer.Config)}, data-parallel
     * over the group's ranks when it is not null (the global batch split among them).
     *
     * @param student the model to train, in place
     * @param teacherLogits the teacher's outputs, one row per row of data
     * @param data inputs and labels
     * @param kd temperature and soft-loss weight
     * @param config batch size (the global batch when data-parallel), learning rate, epochs and seed
     * @param group the ranks to train over, or null for one process
     * @return the mean loss of each epoch
     */
    public static List<Double> fit(ScriptModel student, Tensor teacherLogits, TensorData data, KdConfig kd,
            GraphTrainer.Config config, DataParallelGroup group) {
        if (student == null || teacherLogits == null || data == null || kd == null || config == null) {
            throw new IllegalArgumentException("student, teacher outputs, data and configs must not be null");
        }
        if (teacherLogits.dim() != 2 || teacherLogits.size(0) != data.size()) {
            throw new IllegalArgumentException("teacher outputs must be [" + data.size() + ", classes], got "
                    + java.util.Arrays.toString(teacherLogits.sizes().vec().get()));
        }
        return GraphTrainer.fit(student, data,
                (output, target, rows) -> KdLoss.compute(output, teacherLogits.index_select(0, rows), target, kd), config,
                false, group);
    }

    /**
     * Feature distillation: logit KD plus the hints' losses (see {@link FeatureDistillation}),
     * teacher run per batch in eval mode without autograd; adapters are trained with the student
     * and discarded (the student is changed in place, nothing else is kept). Data-parallel over the
     * group's ranks when it is not null.
     *
     * @param student the model to train, in place
     * @param teacher the frozen teacher
     * @param data inputs and labels
     * @param kd temperature and alpha of the logit term
     * @param hints the layers, hint loss and its weight
     * @param config batch size, learning rate, epochs and seed (the seed also initialises the adapters)
     * @param group the ranks to train over, or null for one process
     * @return the mean loss of each epoch
     */
    public static List<Double> fit(ScriptModel student, ScriptModel teacher, TensorData data, KdConfig kd,
            HintConfig hints, GraphTrainer.Config config, DataParallelGroup group) {
        if (student == null || teacher == null || data == null || kd == null || hints == null || config == null) {
            throw new IllegalArgumentException("student, teacher, data and configs must not be null");
        }
        boolean teacherTraining = teacher.isTraining();
        Tensor sample = data.x().narrow(0, 0, Math.min(2, data.size()));
        try (FeatureDistillation fd = FeatureDistillation.prepare(student, teacher, hints, sample, config.seed())) {
            return GraphTrainer.fit(student, fd.adapterParameters(), data, (x, y, rows) -> fd.loss(x, y, kd).total(),
                    config, false, group);
        } finally {
            teacher.train(teacherTraining);
        }
    }
}
