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
}
