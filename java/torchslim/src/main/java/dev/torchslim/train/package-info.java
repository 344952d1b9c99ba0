/**
 * Training loops. {@link dev.torchslim.train.GraphTrainer} fine-tunes any
 * {@link dev.torchslim.graph.ScriptModel} on {@link dev.torchslim.data.TensorData} with a
 * {@link dev.torchslim.train.Loss} (or a batch-aware loss), Adam and seeded shuffling, optionally
 * keeping pruned weights at zero; techniques use it for QAT, distillation and fine-tuning after
 * pruning. {@link dev.torchslim.train.Trainer} trains and evaluates the demo's bytedeco
 * Sequentials on a {@link dev.torchslim.data.Dataset}, with pluggable optimizers
 * ({@link dev.torchslim.train.OptimizerFactory}), per-step callbacks
 * ({@link dev.torchslim.train.StepListener}) and a console {@link dev.torchslim.train.ProgressBar}.
 */
package dev.torchslim.train;
