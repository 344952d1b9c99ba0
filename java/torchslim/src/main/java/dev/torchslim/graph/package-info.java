/**
 * Models as TorchScript graphs: {@link dev.torchslim.graph.ScriptModel} loads files saved by
 * {@code torch.jit.script} or {@code torch.jit.trace}, or traces a bytedeco module, and offers
 * forward, training mode, parameters, the graph's ops and an atomic save that Python's
 * {@code torch.jit.load} reads. Every technique that changes a model's structure (quantization,
 * low-rank factorization, distillation, TorchScript pruning) takes and returns one.
 */
package dev.torchslim.graph;
