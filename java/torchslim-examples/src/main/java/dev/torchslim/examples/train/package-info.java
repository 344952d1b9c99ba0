/**
 * {@link dev.torchslim.examples.train.Trainer} trains and evaluates the demo's bytedeco
 * Sequentials on a {@link dev.torchslim.examples.data.Dataset}, with pluggable optimizers
 * ({@link dev.torchslim.examples.train.OptimizerFactory}), per-step callbacks
 * ({@link dev.torchslim.examples.train.StepListener}); each epoch reports its steps to the
 * library's {@link dev.torchslim.core.Progress} (the command line draws them as a bar).
 */
package dev.torchslim.examples.train;
