/**
 * {@link dev.torchslim.examples.train.Trainer} trains and evaluates the demo's bytedeco
 * Sequentials on a {@link dev.torchslim.examples.data.Dataset}, with pluggable optimizers
 * ({@link dev.torchslim.examples.train.OptimizerFactory}), per-step callbacks
 * ({@link dev.torchslim.examples.train.StepListener}) and a console
 * {@link dev.torchslim.examples.train.ProgressBar}.
 */
package dev.torchslim.examples.train;
