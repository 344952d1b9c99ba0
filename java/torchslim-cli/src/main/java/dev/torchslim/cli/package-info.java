/**
 * The command line ({@code ./torchslim} and the runnable jar): {@link dev.torchslim.cli.Main} runs
 * one {@link dev.torchslim.cli.Command} per subcommand (demo, prune, quantize, finetune, lowrank,
 * distill) with a strict {@link dev.torchslim.cli.Args} parser; a bad command line is a
 * {@link dev.torchslim.cli.UsageException} (exit status 2). The demo is a list of
 * {@link dev.torchslim.cli.DemoStage}s ({@link dev.torchslim.cli.PruningStages},
 * {@link dev.torchslim.cli.QuantizationStages}, {@link dev.torchslim.cli.LowRankStages},
 * {@link dev.torchslim.cli.DistillationStages}) that share a {@link dev.torchslim.cli.DemoContext}
 * and each add rows to its result table.
 */
package dev.torchslim.cli;
