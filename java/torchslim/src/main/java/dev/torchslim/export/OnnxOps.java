package dev.torchslim.export;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one place that says which TorchScript op becomes which ONNX nodes: one handler per op kind
 * (in-place variants share their op's handler). Supporting a new op is one entry here.
 */
public final class OnnxOps {
    private static final Map<String, OpHandler> HANDLERS = new TreeMap<>();

    static {
        StructureOps.register();
        TensorOps.register();
        QuantizedOps.register();
        RecurrentOps.register();
    }

    private OnnxOps() {}

    static void register(OpHandler handler, String... kinds) {
        for (String k : kinds) {
            if (HANDLERS.put(k, handler) != null) {
                throw new IllegalStateException("two ONNX handlers for " + k);
            }
        }
    }

    static OpHandler handler(String kind) {
        return HANDLERS.get(kind);
    }

    static int count() {
        return HANDLERS.size();
    }

    /**
     * The TorchScript op kinds the exporter maps (e.g. "aten::conv2d", "quantized::linear").
     *
     * @return an unmodifiable view of the mapped op kinds
     */
    public static Set<String> supported() {
        return Collections.unmodifiableSet(HANDLERS.keySet());
    }
}
