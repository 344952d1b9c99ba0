#include "pruning/select.h"

#include <algorithm>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

namespace torchslim::pruning {
namespace {

constexpr int64_t kChunk = int64_t{1} << 16;
constexpr int kHighBins = 1 << 16;  // key >> 15 (the key has 31 bits)
constexpr int kLowBins = 1 << 15;   // key & 0x7fff

// Per-thread histograms summed into one; bin_of returns -1 for elements it skips.
template <class BinOf>
std::vector<int64_t> histogram(const FlatView& view, int bins, BinOf bin_of) {
  int threads = at::get_num_threads();
  std::vector<uint32_t> local(static_cast<size_t>(threads) * bins, 0);
  at::parallel_for(0, static_cast<int64_t>(view.chunks.size()), 1, [&](int64_t b, int64_t e) {
    uint32_t* h = local.data() + static_cast<size_t>(at::get_thread_num()) * bins;
    for (int64_t c = b; c < e; ++c) {
      const auto& ch = view.chunks[c];
      const float* p = view.data[ch.tensor];
      for (int64_t i = ch.begin; i < ch.end; ++i) {
        int bin = bin_of(magnitude_key(p[i]));
        if (bin >= 0) ++h[bin];
      }
    }
  });
  std::vector<int64_t> sum(bins, 0);
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < bins; ++i) sum[i] += local[static_cast<size_t>(t) * bins + i];
  return sum;
}

// The bin holding the (rank+1)-th smallest element, and how many lie in lower bins.
std::pair<int, int64_t> find_bin(const std::vector<int64_t>& hist, int64_t rank) {
  int64_t below = 0;
  for (size_t i = 0; i < hist.size(); ++i) {
    if (below + hist[i] > rank) return {static_cast<int>(i), below};
    below += hist[i];
  }
  TORCH_CHECK(false, "radix select: rank ", rank, " beyond the histogram");
}

}  // namespace

std::vector<int64_t> high_histogram(const FlatView& view) {
  return histogram(view, kHighBins, [](uint32_t key) { return static_cast<int>(key >> 15); });
}

FlatView make_view(const std::vector<at::Tensor>& tensors) {
  FlatView view;
  for (size_t t = 0; t < tensors.size(); ++t) {
    const at::Tensor& x = tensors[t];
    TORCH_CHECK(x.scalar_type() == at::kFloat && x.is_contiguous() && x.device().is_cpu(),
                "radix select needs contiguous float32 CPU tensors");
    view.data.push_back(x.data_ptr<float>());
    int64_t n = x.numel();
    for (int64_t b = 0; b < n; b += kChunk)
      view.chunks.push_back({static_cast<int>(t), b, std::min(n, b + kChunk)});
    view.total += n;
  }
  TORCH_CHECK(view.total < (int64_t{1} << 32), "radix select handles fewer than 2^32 elements, got ",
              view.total);
  return view;
}

Cut select_smallest(const FlatView& view, int64_t k) {
  TORCH_CHECK(k >= 0 && k <= view.total, "cannot prune ", k, " of ", view.total, " elements");
  Cut cut;
  if (k == 0) return cut;
  cut.none = false;
  if (k == view.total) {
    cut.all = true;
    return cut;
  }
  // k-th smallest has rank k-1.
  auto high = histogram(view, kHighBins, [](uint32_t key) { return static_cast<int>(key >> 15); });
  auto [hb, below_high] = find_bin(high, k - 1);
  auto low = histogram(view, kLowBins, [hb = static_cast<uint32_t>(hb)](uint32_t key) {
    return (key >> 15) == hb ? static_cast<int>(key & 0x7fffu) : -1;
  });
  auto [lb, below_low] = find_bin(low, k - 1 - below_high);
  cut.key = (static_cast<uint32_t>(hb) << 15) | static_cast<uint32_t>(lb);
  int64_t below = below_high + below_low;
  int64_t ties = low[lb];
  cut.ties_to_prune = k - below;
  cut.all_ties = cut.ties_to_prune == ties;
  if (!cut.all_ties) {
    // Rare with real weights (exact duplicates of the k-th magnitude, e.g. zeros): count ties
    // per chunk so each chunk knows the rank of its first tie.
    std::vector<int64_t> per_chunk(view.chunks.size(), 0);
    at::parallel_for(0, static_cast<int64_t>(view.chunks.size()), 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        const auto& ch = view.chunks[c];
        const float* p = view.data[ch.tensor];
        int64_t n = 0;
        for (int64_t i = ch.begin; i < ch.end; ++i) n += magnitude_key(p[i]) == cut.key;
        per_chunk[c] = n;
      }
    });
    cut.tie_prefix.resize(view.chunks.size());
    int64_t run = 0;
    for (size_t c = 0; c < per_chunk.size(); ++c) {
      cut.tie_prefix[c] = run;
      run += per_chunk[c];
    }
  }
  return cut;
}

std::vector<at::Tensor> as_float_contiguous(const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> out;
  out.reserve(tensors.size());
  for (const auto& t : tensors) {
    TORCH_CHECK(t.defined(), "undefined tensor");
    TORCH_CHECK(at::isFloatingType(t.scalar_type()), "pruning needs floating-point tensors, got ",
                t.scalar_type());
    // Selection runs on the CPU; masks go back to each tensor's device.
    out.push_back(t.detach().to(at::kCPU, at::kFloat).contiguous());
  }
  return out;
}

std::vector<at::Tensor> smallest_masks(const std::vector<at::Tensor>& tensors, int64_t k) {
  auto floats = as_float_contiguous(tensors);
  FlatView view = make_view(floats);
  std::vector<at::Tensor> masks;
  std::vector<float*> out;
  for (const auto& t : floats) {
    masks.push_back(at::empty(t.sizes(), t.options()));
    out.push_back(masks.back().data_ptr<float>());
  }
  MaskWriter writer{view, out};
  select_and_write(view, k, writer);
  for (size_t i = 0; i < masks.size(); ++i) masks[i] = masks[i].to(tensors[i].device(), tensors[i].scalar_type());
  return masks;
}

}  // namespace torchslim::pruning
