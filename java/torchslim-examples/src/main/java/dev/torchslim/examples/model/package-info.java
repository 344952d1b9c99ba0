/**
 * The demo's Fashion-MNIST classifiers as bytedeco Sequentials: the baseline CNN
 * ({@link dev.torchslim.examples.model.SimpleModel}) and the smaller distillation student
 * ({@link dev.torchslim.examples.model.StudentModel}). Every layer is a named module, so the structural
 * transforms (channel removal, tracing) can walk them.
 */
package dev.torchslim.examples.model;
