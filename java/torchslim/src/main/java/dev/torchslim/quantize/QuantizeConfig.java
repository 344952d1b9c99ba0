package dev.torchslim.quantize;

/** What {@link Quantize} does to a model; small immutable values (torchao's AOBaseConfig). */
public sealed interface QuantizeConfig
        permits Int8DynamicConfig, Int8StaticConfig, Int8QatConfig, WeightOnlyConfig, HalfPrecisionConfig {}
