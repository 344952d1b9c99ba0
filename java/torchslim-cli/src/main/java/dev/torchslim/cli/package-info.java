/**
 * The command line ({@code ./torchslim} and the runnable jar): {@link dev.torchslim.cli.Main} runs
 * one {@link dev.torchslim.cli.Command} per subcommand (demo, prune, quantize, finetune, lowrank,
 * distill, export, compress); {@link dev.torchslim.cli.Args} has picocli read the command line and
 * checks each value strictly; a bad command line is a {@link dev.torchslim.cli.UsageException}
 * (exit status 2). The demo command runs the stages of the examples module
 * ({@code dev.torchslim.examples}).
 */
package dev.torchslim.cli;
