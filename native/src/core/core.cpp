#include "torchslim/core.h"

#include <atomic>
#include <cstdint>
#include <map>

#include <ATen/Parallel.h>
#include <c10/util/irange.h>
#include <torch/version.h>

#include "core/error.h"
#include "core/openblas.h"

#ifndef TORCHSLIM_VERSION
#define TORCHSLIM_VERSION "0.0.0"
#endif

namespace torchslim {

std::string version() { return TORCHSLIM_VERSION; }

std::string torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

bool built_with_cuda() {
#ifdef TORCHSLIM_WITH_CUDA
  return true;
#else
  return false;
#endif
}

int64_t count_parameters(torch::nn::Module& module) {
  TS_API_BEGIN
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
  TS_API_END
}

int64_t count_nonzero_parameters(torch::nn::Module& module) {
  TS_API_BEGIN
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.count_nonzero().item<int64_t>();
  return n;
  TS_API_END
}

int64_t state_bytes(torch::nn::Module& module) {
  TS_API_BEGIN
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel() * static_cast<int64_t>(p.element_size());
  for (const auto& b : module.buffers()) n += b.numel() * static_cast<int64_t>(b.element_size());
  return n;
  TS_API_END
}

void copy_state(torch::nn::Module& destination, torch::nn::Module& source) {
  TS_API_BEGIN
  auto dst_params = destination.named_parameters(true);
  auto src_params = source.named_parameters(true);
  auto dst_buffers = destination.named_buffers(true);
  auto src_buffers = source.named_buffers(true);
  auto check = [](const auto& dst, const auto& src, const char* kind) {
    TORCH_CHECK(dst.size() == src.size(), "copy_state: destination has ", dst.size(), " ", kind,
                "s, source has ", src.size());
    for (const auto& item : dst) {
      const at::Tensor* s = src.find(item.key());
      TORCH_CHECK(s != nullptr, "copy_state: source has no ", kind, " named '", item.key(), "'");
      TORCH_CHECK(s->sizes() == item.value().sizes(), "copy_state: ", kind, " '", item.key(),
                  "' has shape ", item.value().sizes(), " in destination but ", s->sizes(),
                  " in source");
    }
  };
  // Check everything first so a mismatch leaves destination untouched.
  check(dst_params, src_params, "parameter");
  check(dst_buffers, src_buffers, "buffer");
  at::NoGradGuard no_grad;
  for (auto& item : dst_params) item.value().copy_(src_params[item.key()]);
  for (auto& item : dst_buffers) item.value().copy_(src_buffers[item.key()]);
  TS_API_END
}

void set_num_threads(int threads) {
  TS_API_BEGIN
  TORCH_CHECK(threads >= 1, "set_num_threads: threads must be >= 1, got ", threads);
  at::set_num_threads(threads);
  TS_API_END
}

int num_threads() { return at::get_num_threads(); }

int parallel_for_width() {
  std::atomic<uint64_t> seen{0};
  at::parallel_for(0, 64, 1, [&](int64_t, int64_t) { seen |= uint64_t{1} << (at::get_thread_num() & 63); });
  return __builtin_popcountll(seen.load());
}

using detail::openblas_symbol;

bool set_blas_threads(int threads) {
  TS_API_BEGIN
  TORCH_CHECK(threads >= 1, "set_blas_threads: threads must be >= 1, got ", threads);
  auto set = openblas_symbol<void (*)(int)>("openblas_set_num_threads");
  if (set == nullptr) return false;
  set(threads);
  return true;
  TS_API_END
}

int blas_threads() {
  auto get = openblas_symbol<int (*)()>("openblas_get_num_threads");
  return get == nullptr ? -1 : get();
}

}  // namespace torchslim
