package dev.torchslim.export;

/** Writes the ONNX nodes of one TorchScript op kind (one entry of {@link OnnxOps}). */
@FunctionalInterface
interface OpHandler {
    void lower(NodeContext node);
}
