// Exact selection of the k smallest |x| over one or more float32 tensors, without sorting:
// a two-level radix select (16 then 15 bits of the magnitude's IEEE bits, which order like the
// magnitudes) in two parallel histogram passes, plus a tie-counting pass only when the k-th
// value is shared by elements on both sides of the cut. Ties: lower concatenated index first.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <algorithm>
#include <tuple>

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

/// Histogram of key >> 15 (65536 bins) over the whole view, in parallel.
std::vector<int64_t> high_histogram(const FlatView& view);

/// Writes the decision for the k smallest |x| (ties: lower index first) through a Writer:
///   bulk(tensor, begin, end, hb): decide every element of the range whose key >> 15 != hb
///     (pruned when below hb); elements in bin hb must be left as they are (a tight,
///     vectorisable loop);
///   set(tensor, index, pruned): decide one element.
/// Usually two passes over the data: a histogram of the top 16 key bits, then bulk() per chunk
/// plus collection of the few elements in the k-th element's bin, which are selected exactly.
/// When that bin holds more than candidate_limit elements (e.g. masses of equal values), the
/// two-level radix select and per-element set() run instead.
template <class Writer>
void select_and_write(const FlatView& view, int64_t k, Writer& writer, int64_t candidate_limit = int64_t{1} << 22) {
  if (k > 0 && k < view.total) {
    std::vector<int64_t> high = high_histogram(view);
    int64_t below = 0;
    uint32_t hb = 0;
    while (below + high[hb] <= k - 1) below += high[hb++];
    if (high[hb] <= candidate_limit) {
      struct Candidate {
        uint32_t key;
        int tensor;
        int64_t index;
      };
      std::vector<std::vector<Candidate>> found(view.chunks.size());
      at::parallel_for(0, static_cast<int64_t>(view.chunks.size()), 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
          const auto& ch = view.chunks[c];
          writer.bulk(ch.tensor, ch.begin, ch.end, hb);
          const float* p = view.data[ch.tensor];  // bin hb untouched by bulk()
          for (int64_t i = ch.begin; i < ch.end; ++i) {
            uint32_t key = magnitude_key(p[i]);
            if ((key >> 15) == hb) found[c].push_back({key, ch.tensor, i});
          }
        }
      });
      std::vector<Candidate> all;
      all.reserve(static_cast<size_t>(high[hb]));
      for (auto& f : found) all.insert(all.end(), f.begin(), f.end());
      // Chunk order is index order, so (key, position) orders by magnitude, then index.
      std::vector<uint32_t> order(all.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
      size_t need = static_cast<size_t>(k - below);
      auto less = [&](uint32_t a, uint32_t b) { return std::tie(all[a].key, a) < std::tie(all[b].key, b); };
      if (need < order.size()) std::nth_element(order.begin(), order.begin() + need, order.end(), less);
      for (size_t j = 0; j < order.size(); ++j) writer.set(all[order[j]].tensor, all[order[j]].index, j < need);
      return;
    }
  }
  Cut cut = select_smallest(view, k);
  at::parallel_for(0, static_cast<int64_t>(view.chunks.size()), 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c)
      decide_chunk(view, cut, c, [&](int t, int64_t i, bool pruned) { writer.set(t, i, pruned); });
  });
}

/// Writes float masks (1 keep, 0 prune) for a view.
struct MaskWriter {
  const FlatView& view;
  std::vector<float*> out;
  void bulk(int t, int64_t b, int64_t e, uint32_t hb) {
    const float* x = view.data[t];
    float* o = out[t];
    for (int64_t i = b; i < e; ++i) o[i] = static_cast<float>((magnitude_key(x[i]) >> 15) >= hb);
  }
  void set(int t, int64_t i, bool pruned) { out[t][i] = pruned ? 0.f : 1.f; }
};

/// Zeroes pruned elements in place, keeping their sign (w * 0 as torch computes it: -0.0 for
/// negative w). Works on the IEEE bits so the bulk loop is a branch-free, vectorised AND.
struct InPlaceWriter {
  typedef uint32_t __attribute__((may_alias)) bits_t;
  std::vector<float*> data;
  void bulk(int t, int64_t b, int64_t e, uint32_t hb) {
    bits_t* u = reinterpret_cast<bits_t*>(data[t]);
    for (int64_t i = b; i < e; ++i) u[i] &= ((u[i] & 0x7fffffffu) >> 15) >= hb ? 0xffffffffu : 0x80000000u;
  }
  void set(int t, int64_t i, bool pruned) {
    if (pruned) reinterpret_cast<bits_t*>(data[t])[i] &= 0x80000000u;
  }
};

/// Float masks (1 keep, 0 prune) of the k smallest |x|, shaped like the view's tensors.
std::vector<at::Tensor> smallest_masks(const std::vector<at::Tensor>& tensors, int64_t k);

/// Contiguous float32 copies (or the tensors themselves when already so), detached.
std::vector<at::Tensor> as_float_contiguous(const std::vector<at::Tensor>& tensors);

}  // namespace torchslim::pruning
