/**
 * Training loops. {@link dev.torchslim.train.GraphTrainer} fine-tunes any
 * {@link dev.torchslim.graph.ScriptModel} on {@link dev.torchslim.data.TensorData} with a
 * {@link dev.torchslim.train.Loss} (or a batch-aware loss), Adam and seeded shuffling, optionally
 * keeping pruned weights at zero; techniques use it for QAT, distillation and fine-tuning after
 * pruning.
 */
package dev.torchslim.train;
