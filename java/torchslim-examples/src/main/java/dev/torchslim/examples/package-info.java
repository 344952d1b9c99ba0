/**
 * The demo: a list of {@link dev.torchslim.examples.DemoStage}s
 * ({@link dev.torchslim.examples.PruningStages}, {@link dev.torchslim.examples.QuantizationStages},
 * {@link dev.torchslim.examples.LowRankStages}, {@link dev.torchslim.examples.DistillationStages})
 * that share a {@link dev.torchslim.examples.DemoContext} and each add rows to its result table.
 */
package dev.torchslim.examples;
