/**
 * The demo's Fashion-MNIST classifiers as bytedeco Sequentials: the baseline CNN
 * ({@link dev.torchslim.model.SimpleModel}) and the smaller distillation student
 * ({@link dev.torchslim.model.StudentModel}). Every layer is a named module, so the structural
 * transforms (channel removal, tracing) can walk them.
 */
package dev.torchslim.model;
