/**
 * Quantization of {@link dev.torchslim.graph.ScriptModel}s, with the results of PyTorch's
 * {@code quantize_jit} and {@code quantize_dynamic_jit}: {@link dev.torchslim.quantize.Quantize} is
 * the entry point, one {@code apply} per configuration: dynamic int8
 * ({@link dev.torchslim.quantize.Int8DynamicConfig}), static int8 with calibration
 * ({@link dev.torchslim.quantize.Int8StaticConfig}, {@link dev.torchslim.quantize.Observer}),
 * quantization-aware training ({@link dev.torchslim.quantize.Int8QatConfig}, with
 * {@code prepareQat} and {@code convert}), weight-only int8/int4
 * ({@link dev.torchslim.quantize.WeightOnlyConfig}) and fp16/bf16
 * ({@link dev.torchslim.quantize.HalfPrecisionConfig}). The int8 kernels run on an
 * {@link dev.torchslim.quantize.Engine}.
 */
package dev.torchslim.quantize;
