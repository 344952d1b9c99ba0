// Exact selection of the k smallest |x| over one or more float32 tensors, without sorting:
// a two-level radix select (16 then 15 bits of the magnitude's IEEE bits, which order like the
// magnitudes) in two parallel histogram passes, plus a tie-counting pass only when the k-th
// value is shared by elements on both sides of the cut. Ties: lower concatenated index first.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include <ATen/core/Tensor.h>

namespace torchslim::pruning {

/// float32 contiguous tensors seen as one array, split into fixed-size chunks for the threads.
struct FlatView {
  struct Chunk {
    int tensor;
    int64_t begin, end;
  };
  std::vector<const float*> data;
  std::vector<Chunk> chunks;
  int64_t total = 0;
};

/// The tensors must be float32, contiguous, on the CPU, and outlive the view.
FlatView make_view(const std::vector<at::Tensor>& tensors);

/// Which elements are the k smallest: key < key_, or key == key_ and among the first
/// ties_to_prune such elements in index order.
struct Cut {
  bool none = true;   // k == 0
  bool all = false;   // k == total
  uint32_t key = 0;
  bool all_ties = true;
  std::vector<int64_t> tie_prefix;  // per chunk: elements with key == key before it
  int64_t ties_to_prune = 0;
};

Cut select_smallest(const FlatView& view, int64_t k);

inline uint32_t magnitude_key(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u & 0x7fffffffu;
}

/// Calls prune_fn(tensor, index, pruned) for every element of the chunk, in index order.
template <class F>
inline void decide_chunk(const FlatView& view, const Cut& cut, size_t chunk, F&& fn) {
  const auto& c = view.chunks[chunk];
  const float* p = view.data[c.tensor];
  if (cut.none || cut.all) {
    for (int64_t i = c.begin; i < c.end; ++i) fn(c.tensor, i, cut.all);
    return;
  }
  if (cut.all_ties) {
    for (int64_t i = c.begin; i < c.end; ++i) fn(c.tensor, i, magnitude_key(p[i]) <= cut.key);
    return;
  }
  int64_t rank = cut.tie_prefix[chunk];
  for (int64_t i = c.begin; i < c.end; ++i) {
    uint32_t key = magnitude_key(p[i]);
    bool pruned = key < cut.key || (key == cut.key && rank++ < cut.ties_to_prune);
    fn(c.tensor, i, pruned);
  }
}

/// Float masks (1 keep, 0 prune) of the k smallest |x|, shaped like the view's tensors.
std::vector<at::Tensor> smallest_masks(const std::vector<at::Tensor>& tensors, int64_t k);

/// Contiguous float32 copies (or the tensors themselves when already so), detached.
std::vector<at::Tensor> as_float_contiguous(const std::vector<at::Tensor>& tensors);

}  // namespace torchslim::pruning
