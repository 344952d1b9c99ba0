/**
 * Measuring and reporting compressed models: {@link dev.torchslim.report.ModelMeasure} counts
 * parameters, saved size and latency of anything {@link dev.torchslim.report.Evaluable};
 * {@link dev.torchslim.report.StageTable} collects one {@link dev.torchslim.report.StageResult} per
 * stage and prints it, writes it as JSON with the {@link dev.torchslim.report.RunEnvironment}, and
 * closes with a summary against the baseline; {@link dev.torchslim.report.Plots} draws accuracy
 * against size and latency, and per-layer bars, as PNG files.
 */
package dev.torchslim.report;
