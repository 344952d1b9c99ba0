/**
 * Pruning: {@link dev.torchslim.prune.EasyPrune} (prune → fine-tune → unprune, or restore),
 * strategies as objects ({@link dev.torchslim.prune.PruningStrategy}: L1 local and global, random,
 * Ln structured, N:M, custom masks, first-order Taylor), the Zhu–Gupta
 * {@link dev.torchslim.prune.GradualPruner}, physical channel removal
 * ({@link dev.torchslim.prune.ChannelPruner}) and TorchScript files
 * ({@link dev.torchslim.prune.TorchScriptPruner}: Conv*, ConvTranspose*, Linear and subclasses,
 * RNN/LSTM/GRU, MultiheadAttention, embeddings on request; its
 * {@link dev.torchslim.prune.TorchScriptPruneReport} lists every parameter it left out and why).
 * Pruners hold native masks and hooks: close them (they are AutoCloseable).
 *
 * <h2>Same masks as torch.nn.utils.prune</h2>
 * A fraction {@code amount} of n elements prunes {@code round(amount * n)} of them with Python's
 * rounding (half to even), like {@code _compute_nparams_toprune}. l1_unstructured, global
 * unstructured L1 (the concatenation of all weights, one threshold) and ln_structured (norm over
 * every dimension but {@code dim}) select exactly the elements PyTorch selects whenever the
 * importances have no ties; tests compare element for element with torch 2.13.
 *
 * <h2>Ties</h2>
 * PyTorch picks with {@code torch.topk}, whose order among equal values is unspecified. TorchSlim
 * is deterministic: among equal importances the element with the lower index (flat index in the
 * weight; for global pruning, the index in the concatenation in layer order; for Ln structured,
 * the slice index) is pruned first. N:M groups follow the same rule inside each group.
 *
 * <h2>How masks hold</h2>
 * A pruned weight is multiplied by its mask once, and a gradient hook multiplies its gradient by
 * the mask; an optimizer whose state starts at zero for those entries (a new SGD with momentum
 * and weight decay, Adam, AdamW) then never moves them off exactly zero. For an optimizer with
 * older state call {@link dev.torchslim.prune.EasyPrune#reapply()} after {@code step()}.
 */
package dev.torchslim.prune;
