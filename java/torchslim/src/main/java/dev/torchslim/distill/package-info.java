/**
 * Knowledge distillation on {@link dev.torchslim.graph.ScriptModel}s: a student learns from a
 * frozen teacher's logits and the labels with the loss of Hinton et al.
 * ({@link dev.torchslim.distill.KdLoss}, knobs in {@link dev.torchslim.distill.KdConfig}).
 * {@link dev.torchslim.distill.Distiller#fit} is the entry point; it computes the teacher's
 * outputs once ({@link dev.torchslim.distill.TeacherLogits}) and trains the student with
 * {@link dev.torchslim.train.GraphTrainer}.
 */
package dev.torchslim.distill;
