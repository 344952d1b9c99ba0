/**
 * Measuring compressed models: {@link dev.torchslim.report.ModelMeasure} counts parameters, saved
 * size and latency of anything {@link dev.torchslim.report.Evaluable};
 * {@link dev.torchslim.report.RunEnvironment} describes the run (versions, threads) for reports.
 */
package dev.torchslim.report;
