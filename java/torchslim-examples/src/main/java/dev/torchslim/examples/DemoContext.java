package dev.torchslim.examples;

import dev.torchslim.examples.data.Dataset;
import dev.torchslim.graph.ScriptModel;
import dev.torchslim.jni.CoreApi;
import dev.torchslim.examples.model.SimpleModel;
import dev.torchslim.report.Evaluable;
import dev.torchslim.report.ModelMeasure;
import dev.torchslim.examples.report.StageResult;
import dev.torchslim.examples.report.StageTable;
import dev.torchslim.examples.train.Trainer;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;

/** What demo stages share: the trained baseline, the data, the trainer and the result table. */
public final class DemoContext {
    private final Trainer trainer;
    private final SequentialImpl baseline;
    private final StageTable table = new StageTable();
    private final Map<String, SequentialImpl> kept = new HashMap<>();
    private final PrintStream out;
    private final Tensor latencyBatch;

    /**
     * A context for one demo run.
     *
     * @param trainer trains and evaluates the Sequentials on the demo's data
     * @param baseline the trained baseline every stage starts from
     * @param out where stages print their progress
     */
    public DemoContext(Trainer trainer, SequentialImpl baseline, PrintStream out) {
        this.trainer = trainer;
        this.baseline = baseline;
        this.out = out;
        this.latencyBatch = trainer.testSet().images().narrow(0, 0, ModelMeasure.LATENCY_BATCH).contiguous();
    }

    /**
     * The trainer of the baseline, with the training and test sets.
     *
     * @return the shared trainer
     */
    public Trainer trainer() {
        return trainer;
    }

    /**
     * The Fashion-MNIST training set.
     *
     * @return the training set
     */
    public Dataset train() {
        return trainer.trainSet();
    }

    /**
     * The Fashion-MNIST test set, on which every accuracy is measured.
     *
     * @return the test set
     */
    public Dataset test() {
        return trainer.testSet();
    }

    /**
     * Where stages print their progress and details.
     *
     * @return the demo's output stream
     */
    public PrintStream out() {
        return out;
    }

    /**
     * The trained fp32 baseline; stages must not change it (use {@link #copyOfBaseline}).
     *
     * @return the baseline model
     */
    public SequentialImpl baseline() {
        return baseline;
    }

    /**
     * A new SimpleModel holding the baseline's weights.
     *
     * @return a fresh copy the caller may compress
     */
    public SequentialImpl copyOfBaseline() {
        SequentialImpl copy = SimpleModel.create();
        CoreApi.copy_state(copy, baseline);
        return copy;
    }

    /**
     * A batch of 64 test images, the input of every latency figure.
     *
     * @return the latency batch, shared (do not close)
     */
    public Tensor latencyBatch() {
        return latencyBatch;
    }

    /**
     * Measures an fp32 Sequential model (accuracy, counts, saved size, latency) and adds a row.
     *
     * @param stage the row's name
     * @param model the model to measure
     * @return the measured row
     */
    public StageResult recordModule(String stage, SequentialImpl model) {
        model.eval();
        double accuracy = trainer.evaluate(model);
        return add(new StageResult(stage, accuracy, ModelMeasure.params(model), ModelMeasure.nonzeroParams(model),
                ModelMeasure.savedBytes(model), ModelMeasure.latencyMs(model::forward, latencyBatch)));
    }

    /**
     * As {@link #recordModule(String, SequentialImpl)} for a module that is a Sequential.
     *
     * @param stage the row's name
     * @param model a Sequential module
     * @return the measured row
     */
    public StageResult recordModule(String stage, Module model) {
        return recordModule(stage, model.asSequential());
    }

    /**
     * Measures a float ScriptModel (eval mode: accuracy, counts, saved TorchScript size, latency), adds a
     * row.
     *
     * @param stage the row's name
     * @param model the model to measure
     * @return the measured row
     */
    public StageResult recordScriptModel(String stage, ScriptModel model) {
        model.eval();
        return record(stage, model::forward, model.parameterCount(), model.nonzeroParameterCount(),
                ModelMeasure.savedBytes(model));
    }

    /**
     * Measures any scorer (a quantized model, say) with sizes the caller knows, and adds a row.
     *
     * @param stage the row's name
     * @param model scores the test set
     * @param params the parameter count
     * @param nonzeroParams the nonzero parameter count
     * @param sizeBytes the saved size in bytes
     * @return the recorded row
     */
    public StageResult record(String stage, Evaluable model, long params, long nonzeroParams, long sizeBytes) {
        double accuracy = Trainer.accuracy(model, test());
        return add(new StageResult(stage, accuracy, params, nonzeroParams, sizeBytes,
                ModelMeasure.latencyMs(model, latencyBatch)));
    }

    private StageResult add(StageResult r) {
        table.add(r);
        out.println(StageTable.format(r));
        out.flush();
        return r;
    }

    /**
     * Hands a model to later stages under a name (e.g. "pruned 50%").
     *
     * @param name the name later stages look it up by
     * @param model the model to keep
     */
    public void keep(String name, SequentialImpl model) {
        kept.put(name, model);
    }

    /**
     * A model an earlier stage kept with {@link #keep}.
     *
     * @param name the name it was kept under
     * @return the model, or empty when no stage kept one under that name
     */
    public Optional<SequentialImpl> kept(String name) {
        return Optional.ofNullable(kept.get(name));
    }

    /**
     * The result table, one row per recorded stage.
     *
     * @return the table
     */
    public StageTable table() {
        return table;
    }
}
