package dev.torchslim.distill;

import dev.torchslim.graph.ScriptModel;
import dev.torchslim.jni.DistillApi;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Logit KD plus feature hints between a teacher and a student {@link ScriptModel}: both models are
 * tapped ({@code tap_features}: a rewritten copy of forward that also returns the named layers'
 * outputs, the models themselves unchanged) and an {@link HintAdapter} is made for each MSE hint
 * whose channel counts differ. The loss of a batch is
 * {@code KdLoss(s, t, y) + weight * sum_i hintLoss(s_i, t_i)}; the teacher runs in eval mode without
 * autograd. Adapters are trained with the student ({@link #adapterParameters()}) and never saved.
 */
public final class FeatureDistillation implements AutoCloseable {
    private final ScriptModel tappedStudent;
    private final ScriptModel tappedTeacher;
    private final ScriptModel teacher;
    private final HintConfig config;
    private final List<HintAdapter> adapters;

    private FeatureDistillation(ScriptModel tappedStudent, ScriptModel tappedTeacher, ScriptModel teacher,
            HintConfig config, List<HintAdapter> adapters) {
        this.tappedStudent = tappedStudent;
        this.tappedTeacher = tappedTeacher;
        this.teacher = teacher;
        this.config = config;
        this.adapters = adapters;
    }

    /**
     * Taps both models and sizes the adapters from one forward pass on {@code sample} (a few input rows).
     *
     * @param student the student (trained through the returned object's loss)
     * @param teacher the teacher (put in eval mode)
     * @param config the hints, their loss and weight
     * @param sample a batch of inputs, at least one row
     * @param seed the adapters' initialisation seed
     * @return the prepared distillation; close it after training
     * @throws IllegalArgumentException when a hint's features cannot be compared (rank, batch, or a
     *     4-D teacher map smaller than the student's); {@link dev.torchslim.core.TorchSlimException}
     *     naming the layer when a layer is unknown or does not run exactly once
     */
    public static FeatureDistillation prepare(ScriptModel student, ScriptModel teacher, HintConfig config, Tensor sample,
            long seed) {
        if (student == null || teacher == null || config == null || sample == null) {
            throw new IllegalArgumentException("student, teacher, hint config and sample must not be null");
        }
        ScriptModel ts = tap(student, config.studentLayers());
        ScriptModel tt = null;
        try {
            tt = tap(teacher, config.teacherLayers());
            teacher.train(false);
            List<Tensor> s;
            List<Tensor> t;
            boolean wasTraining = student.isTraining();
            try (NoGradGuard g = new NoGradGuard()) {
                student.train(false);
                s = features(ts, sample, config.hints().size());
                t = features(tt, sample, config.hints().size());
            } finally {
                student.train(wasTraining);
            }
            List<HintAdapter> adapters = new ArrayList<>();
            for (int i = 0; i < config.hints().size(); i++) {
                adapters.add(adapterFor(config, config.hints().get(i), s.get(i), t.get(i), seed + i));
            }
            return new FeatureDistillation(ts, tt, teacher, config, adapters);
        } catch (RuntimeException e) {
            ts.close();
            if (tt != null) {
                tt.close();
            }
            throw e;
        }
    }

    private static HintAdapter adapterFor(HintConfig config, Hint hint, Tensor s, Tensor t, long seed) {
        long[] ss = s.sizes().vec().get();
        long[] st = t.sizes().vec().get();
        if (ss.length != st.length || ss.length < 2) {
            throw new IllegalArgumentException("hint " + hint + ": teacher features " + Arrays.toString(st)
                    + " and student features " + Arrays.toString(ss) + " differ in rank (or are not batched)");
        }
        if (config.loss() == HintLoss.AT && ss.length != 4) {
            throw new IllegalArgumentException("hint " + hint + ": attention transfer needs 4-D features, got "
                    + Arrays.toString(ss));
        }
        boolean conv = ss.length == 4;
        if (conv && (st[2] < ss[2] || st[3] < ss[3])) {
            throw new IllegalArgumentException("hint " + hint + ": the teacher's map " + st[2] + "x" + st[3]
                    + " is smaller than the student's " + ss[2] + "x" + ss[3] + " (the teacher's is pooled down, never up)");
        }
        int channelDim = conv ? 1 : ss.length - 1;
        if (!config.loss().usesAdapter() || ss[channelDim] == st[channelDim]) {
            return null;
        }
        return HintAdapter.create(ss[channelDim], st[channelDim], conv, seed);
    }

    // Package-visible for tests: a wrapper whose forward returns (output, each layer's output).
    static ScriptModel tap(ScriptModel model, String layers) {
        ScriptModel out = ScriptModel.adopt(ScriptModel.newNative());
        try (ScriptModel.Use use = model.use()) {
            DistillApi.tap_features(out.handle(), model.handle(), layers);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    // forward's output (first tensor) and then one tensor per tapped layer, the last ones of the tuple.
    private static List<Tensor> features(ScriptModel tapped, Tensor x, int n) {
        List<Tensor> all = tapped.forwardAll(x);
        return all.subList(all.size() - n, all.size());
    }

    /**
     * The adapters, one per hint (null where none is needed: equal channels, or attention transfer).
     *
     * @return the adapters, in hint order
     */
    public List<HintAdapter> adapters() {
        return java.util.Collections.unmodifiableList(adapters);
    }

    /**
     * The adapters' weights and biases, to train with the student's parameters.
     *
     * @return the trainable adapter tensors
     */
    public List<Tensor> adapterParameters() {
        List<Tensor> out = new ArrayList<>();
        for (HintAdapter a : adapters) {
            if (a != null) {
                out.addAll(a.parameters());
            }
        }
        return out;
    }

    /** The losses of one batch: total, the logit KD part and each hint's (unweighted). */
    public record Losses(Tensor total, Tensor kd, List<Tensor> hints) {}

    /**
     * The loss of one batch: the student runs as it is (train mode while training), the teacher in
     * eval mode without autograd.
     *
     * @param x the batch's inputs
     * @param y the batch's class indices (may be null when kd's alpha is 1)
     * @param kd temperature and alpha of the logit term
     * @return the total loss and its parts
     */
    public Losses loss(Tensor x, Tensor y, KdConfig kd) {
        int n = config.hints().size();
        List<Tensor> t;
        try (NoGradGuard g = new NoGradGuard()) {
            teacher.train(false);
            t = tappedTeacher.forwardAll(x);
        }
        List<Tensor> s = tappedStudent.forwardAll(x);
        Tensor logitLoss = KdLoss.compute(s.get(0), t.get(0), y, kd);
        Tensor total = logitLoss;
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Tensor h = config.loss().compute(s.get(s.size() - n + i), t.get(t.size() - n + i), adapters.get(i));
            parts.add(h);
            total = total.add(h.mul(new org.bytedeco.pytorch.Scalar(config.weight())));
        }
        return new Losses(total, logitLoss, parts);
    }

    /**
     * The hint configuration.
     *
     * @return the config
     */
    public HintConfig config() {
        return config;
    }

    @Override
    public void close() {
        tappedStudent.close();
        tappedTeacher.close();
    }
}
