/**
 * Per-layer sensitivity and AIMET's greedy selection of per-layer compression under a global budget,
 * shared by the techniques that compress layer by layer: {@link dev.torchslim.sensitivity.GreedySelection}
 * is used by {@link dev.torchslim.lowrank.Sensitivity} (ranks) and
 * {@link dev.torchslim.prune.ChannelSensitivity} (channel-pruning ratios).
 */
package dev.torchslim.sensitivity;
