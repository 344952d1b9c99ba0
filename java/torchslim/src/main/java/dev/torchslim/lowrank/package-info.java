/**
 * Low-rank factorization: {@link dev.torchslim.lowrank.LowRank#apply} replaces chosen Linear layers
 * of a {@link dev.torchslim.graph.ScriptModel} by two smaller Linears from the truncated SVD of
 * their weights, and Conv2d layers by spatial SVD or Tucker-2 convolutions
 * ({@link dev.torchslim.lowrank.ConvFactorization}, decisions in
 * {@link dev.torchslim.lowrank.ConvDecision}); {@link dev.torchslim.lowrank.Sensitivity} measures each
 * layer's loss at candidate ranks and picks per-layer ranks under a global budget (AIMET's greedy
 * selection) ({@link dev.torchslim.lowrank.TruncatedSvd}, exact or randomized per
 * {@link dev.torchslim.lowrank.SvdMethod}). A {@link dev.torchslim.lowrank.RankPolicy} picks each
 * layer's rank (by energy kept, by parameter budget, or explicitly); the
 * {@link dev.torchslim.lowrank.LowRankResult} holds the new model and a
 * {@link dev.torchslim.lowrank.LayerDecision} per layer. {@link dev.torchslim.lowrank.LowRank#plan}
 * shows the decisions without factorizing.
 */
package dev.torchslim.lowrank;
