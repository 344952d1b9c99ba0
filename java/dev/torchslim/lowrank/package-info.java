/**
 * Low-rank factorization: {@link dev.torchslim.lowrank.LowRank#apply} replaces chosen Linear layers
 * of a {@link dev.torchslim.graph.ScriptModel} by two smaller Linears from the truncated SVD of
 * their weights ({@link dev.torchslim.lowrank.TruncatedSvd}, exact or randomized per
 * {@link dev.torchslim.lowrank.SvdMethod}). A {@link dev.torchslim.lowrank.RankPolicy} picks each
 * layer's rank (by energy kept, by parameter budget, or explicitly); the
 * {@link dev.torchslim.lowrank.LowRankResult} holds the new model and a
 * {@link dev.torchslim.lowrank.LayerDecision} per layer. {@link dev.torchslim.lowrank.LowRank#plan}
 * shows the decisions without factorizing.
 */
package dev.torchslim.lowrank;
