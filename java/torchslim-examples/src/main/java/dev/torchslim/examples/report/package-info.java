/**
 * The demo's report: {@link dev.torchslim.examples.report.StageTable} collects one
 * {@link dev.torchslim.examples.report.StageResult} per stage and prints it, writes it as JSON with
 * the {@link dev.torchslim.report.RunEnvironment}, and closes with a summary against the baseline;
 * {@link dev.torchslim.examples.report.Plots} draws accuracy against size and latency, and per-layer
 * bars, as PNG files.
 */
package dev.torchslim.examples.report;
