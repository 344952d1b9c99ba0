package dev.torchslim.graph;

import dev.torchslim.core.ModelFiles;
import dev.torchslim.core.NativeLibrary;
import dev.torchslim.core.NativeResource;
import dev.torchslim.core.TorchSlimException;
import dev.torchslim.jni.NativeScriptModel;
import dev.torchslim.jni.NativeTraceForward;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.SequentialImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A model as a TorchScript graph: any file saved by {@code torch.jit.script(m).save} or
 * {@code torch.jit.trace(m, x).save} (any nesting, custom module classes), or a bytedeco
 * {@link SequentialImpl} traced by LibTorch's tracer. Every technique that changes structure takes
 * and returns a ScriptModel; {@link #save} writes a file Python's {@code torch.jit.load} runs.
 *
 * <p>Operations are safe to call from several threads; {@link #close()} waits for the calls in
 * flight and later calls throw {@link IllegalStateException}.
 */
public final class ScriptModel extends NativeResource {
    private final NativeScriptModel handle;

    private ScriptModel(NativeScriptModel handle) {
        this.handle = handle;
    }

    /**
     * Wraps a native model (used by the techniques); the ScriptModel owns it.
     *
     * @param handle the native model to own
     * @return the wrapper
     */
    public static ScriptModel adopt(NativeScriptModel handle) {
        return new ScriptModel(handle);
    }

    /**
     * A new, empty native model for a technique to fill. It is owned by the ScriptModel that will
     * wrap it, never by an enclosing TensorScope (which would free it when the scope closes).
     *
     * @return an empty native model
     */
    public static NativeScriptModel newNative() {
        NativeLibrary.ensureLoaded();
        NativeScriptModel h = new NativeScriptModel();
        PointerScope scope = PointerScope.getInnerScope();
        if (scope != null) {
            h.retainReference();  // detach releases the scope's reference
            scope.detach(h);
        }
        return h;
    }

    /**
     * Loads a TorchScript file.
     *
     * @param file a TorchScript file
     * @return the model
     * @throws dev.torchslim.core.ModelFileException when the file is missing or not TorchScript
     */
    public static ScriptModel load(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("model file must not be null");
        }
        ModelFiles.requireTorchScript(file);  // names what the file is when it is not TorchScript
        NativeScriptModel h = newNative();
        try {
            h.load(file.toString());
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
        return new ScriptModel(h);
    }

    /**
     * Traces a Sequential (its layers' C++ forward) on an example input. Each layer becomes a
     * submodule named as in the Sequential, typed as Python's torch.nn would type it. Dropout and
     * BatchNorm are traced in eval mode. The result owns copies of the weights.
     *
     * @param module the Sequential to trace
     * @param example an input of the right shape
     * @return the traced model
     */
    public static ScriptModel trace(SequentialImpl module, Tensor example) {
        if (module == null || example == null) {
            throw new IllegalArgumentException("module and example must not be null");
        }
        NativeScriptModel traced = newNative();
        try {
            traced.trace_sequential(module, example);
        } catch (RuntimeException e) {
            traced.close();
            throw e;
        }
        return new ScriptModel(traced);
    }

    /**
     * Traces any bytedeco module whose forward is written in Java: {@code forward} is called once
     * on the example, and the LibTorch ops it runs become the graph; the module's parameters and
     * buffers (recursively, under their own names) become the model's. As with torch.jit.trace,
     * Java control flow is fixed by the example and Java-side state is not recorded.
     *
     * @param module the module whose parameters and buffers the model takes
     * @param forward the Java forward pass
     * @param example an input of the right shape
     * @return the traced model
     */
    public static ScriptModel trace(Module module, java.util.function.UnaryOperator<Tensor> forward, Tensor example) {
        if (module == null || forward == null || example == null) {
            throw new IllegalArgumentException("module, forward and example must not be null");
        }
        NativeScriptModel traced = newNative();
        RuntimeException[] failure = new RuntimeException[1];
        try (NativeTraceForward callback = new NativeTraceForward() {
            @Override
            public Tensor forward(Tensor input) {
                try {
                    return forward.apply(input);
                } catch (RuntimeException e) {
                    failure[0] = e;
                    throw e;
                }
            }
        }) {
            traced.trace_module(module, callback, example);
        } catch (RuntimeException e) {
            traced.close();
            throw failure[0] != null ? failure[0] : e;
        }
        return new ScriptModel(traced);
    }

    /**
     * The native model, for techniques; valid while this model is open.
     *
     * @return the native model
     */
    public NativeScriptModel handle() {
        checkOpen();
        return handle;
    }

    /**
     * A deep copy (parameters copied).
     *
     * @return the copy; the caller closes it
     */
    public ScriptModel copy() {
        try (Use use = use()) {
            NativeScriptModel h = newNative();
            try {
                h.copy_from(handle);
            } catch (RuntimeException e) {
                h.close();
                throw e;
            }
            return new ScriptModel(h);
        }
    }

    /**
     * A frozen copy for inference with LibTorch's inference rewrites (torch.jit.optimize_for_inference):
     * fp32 Conv/Linear run through oneDNN, Conv+BN folded. It can no longer be trained.
     *
     * @return the optimized copy
     */
    public ScriptModel optimizedForInference() {
        try (Use use = use()) {
            NativeScriptModel h = newNative();
            try {
                dev.torchslim.jni.GraphApi.optimize_for_inference(h, handle);
            } catch (RuntimeException e) {
                h.close();
                throw e;
            }
            return new ScriptModel(h);
        }
    }

    /**
     * forward(input): the first tensor of the output.
     *
     * @param input the input
     * @return the first output tensor
     */
    public Tensor forward(Tensor input) {
        try (Use use = use()) {
            return handle.forward(input);
        }
    }

    /**
     * forward(inputs...): every tensor of the output, in order.
     *
     * @param inputs the inputs, in forward's order
     * @return every output tensor
     */
    public List<Tensor> forwardAll(Tensor... inputs) {
        try (Use use = use(); TensorVector in = new TensorVector(inputs); TensorVector out = handle.forward_all(in)) {
            return owned(out);
        }
    }

    /**
     * Saves through a temporary file and a rename.
     *
     * @param file the output file
     */
    public void save(Path file) {
        try (Use use = use()) {
            handle.save(file.toString());
        }
    }

    /**
     * Module paths (root "") and their classes, e.g. "layer1.0.conv1" to
     * "__torch__.torch.nn.modules.conv.Conv2d".
     *
     * @return module path to class name, in module order
     */
    public Map<String, String> modules() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String[] row : rows(lock(() -> handle.modules()))) {
            out.put(row[0], row[1]);
        }
        return out;
    }

    /**
     * Parameter names in order, with shape, dtype and requires_grad.
     *
     * @return one entry per parameter
     */
    public List<ParameterInfo> parameterInfo() {
        List<ParameterInfo> out = new ArrayList<>();
        for (String[] row : rows(lock(() -> handle.parameter_table()))) {
            out.add(new ParameterInfo(row[0], row[1], row[2], Boolean.parseBoolean(row[3])));
        }
        return out;
    }

    /**
     * The parameter tensors (shared with the model: an optimizer over them trains it).
     *
     * @return the parameters, in order
     */
    public List<Tensor> parameters() {
        try (Use use = use(); TensorVector v = handle.parameters()) {
            return owned(v);
        }
    }

    /**
     * The buffers by name (BatchNorm running statistics, observer min/max, ...), in the model's
     * order; the tensors are the model's own, so writing them changes the model.
     *
     * @return buffer name to tensor
     */
    public Map<String, Tensor> buffers() {
        try (Use use = use(); TensorVector v = dev.torchslim.jni.DistributedApi.model_buffers(handle)) {
            List<Tensor> tensors = owned(v);
            List<String[]> names = rows(handle.buffer_table());
            if (names.size() != tensors.size()) {
                throw new IllegalStateException("buffer table has " + names.size() + " rows for " + tensors.size() + " buffers");
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (int i = 0; i < tensors.size(); i++) {
                out.put(names.get(i)[0], tensors.get(i));
            }
            return out;
        }
    }

    /**
     * Op kinds of the inlined forward graph and how often each occurs.
     *
     * @return op kind to count
     */
    public Map<String, Integer> ops() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String[] row : rows(lock(() -> handle.ops()))) {
            out.put(row[0], Integer.parseInt(row[1]));
        }
        return out;
    }

    /**
     * Number of nodes whose kind starts with the prefix, e.g. "quantized::".
     *
     * @param prefix the start of node kinds, e.g. "aten::"
     * @return the count
     */
    public int countOps(String prefix) {
        return ops().entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToInt(Map.Entry::getValue).sum();
    }

    /**
     * The inlined forward graph, as LibTorch prints it.
     *
     * @return the graph's text
     */
    public String graph() {
        return lock(() -> handle.graph_text());
    }

    /**
     * forward's schema, e.g. "forward(__torch__.M self, Tensor x) -> Tensor".
     *
     * @return forward's schema
     */
    public String schema() {
        return lock(() -> handle.schema());
    }

    /**
     * Sets training mode (like torch.nn.Module.train), recursively.
     *
     * @param on true for training, false for eval
     */
    public void train(boolean on) {
        try (Use use = use()) {
            handle.train(on);
        }
    }

    /** Sets eval mode, recursively (like torch.nn.Module.eval). */
    public void eval() {
        train(false);
    }

    /**
     * Whether the model is in training mode.
     *
     * @return true when training
     */
    public boolean isTraining() {
        try (Use use = use()) {
            return handle.is_training();
        }
    }

    /**
     * The number of parameter elements.
     *
     * @return the parameter count
     */
    public long parameterCount() {
        try (Use use = use()) {
            return handle.parameter_count();
        }
    }

    /**
     * The number of parameter elements that are not zero (what pruning reduces).
     *
     * @return the nonzero count
     */
    public long nonzeroParameterCount() {
        try (Use use = use()) {
            return handle.nonzero_parameter_count();
        }
    }

    /**
     * Bytes of all tensors the model holds (packed int8 weights included).
     *
     * @return the state size in bytes
     */
    public long stateBytes() {
        try (Use use = use()) {
            return handle.state_bytes();
        }
    }

    @Override
    protected void release() {
        handle.close();
    }

    private String lock(java.util.function.Supplier<String> call) {
        try (Use use = use()) {
            return call.get();
        }
    }

    /** Tensors that hold their own references (a vector's elements die with it). */
    private static List<Tensor> owned(TensorVector v) {
        List<Tensor> out = new ArrayList<>();
        for (long i = 0; i < v.size(); i++) {
            out.add(new Tensor(v.get(i)));
        }
        return out;
    }

    private static List<String[]> rows(String table) {
        List<String[]> out = new ArrayList<>();
        for (String line : table.split("\n")) {
            if (!line.isEmpty()) {
                out.add(line.split("\t", -1));
            }
        }
        return out;
    }

    /**
     * One parameter: name, shape as "[a, b]", dtype name, and whether it takes gradients.
     *
     * @param name the parameter's qualified name, e.g. "fc1.weight"
     * @param shape its shape as "[a, b]"
     * @param dtype its dtype's name
     * @param requiresGrad whether it takes gradients
     */
    public record ParameterInfo(String name, String shape, String dtype, boolean requiresGrad) {}
}
