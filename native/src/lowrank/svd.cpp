// Truncated SVD: LAPACK for small matrices, randomized subspace iteration for large ones
// (Halko, Martinsson, Tropp 2011, algorithms 4.4 and 5.1): the cost is a few GEMMs with
// rank + oversample columns instead of a full O(m n min(m, n)) decomposition.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/linalg_qr.h>
#include <ATen/ops/linalg_svd.h>
#include <ATen/ops/randn.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "core/error.h"
#include "lowrank/svd.h"
#include "torchslim/lowrank.h"

namespace torchslim {
namespace lowrank {

bool use_randomized(int64_t m, int64_t n, int64_t rank, int64_t oversample) {
  const int64_t k = std::min(m, n);
  return k >= 1024 && rank + oversample <= k / 4;
}

std::vector<at::Tensor> exact_svd(const at::Tensor& a, int64_t rank) {
  auto [u, s, vh] = at::linalg_svd(a, /*full_matrices=*/false);
  return {u.narrow(1, 0, rank).contiguous(), s.narrow(0, 0, rank).contiguous(), vh.narrow(0, 0, rank).contiguous()};
}

std::vector<at::Tensor> randomized_svd(const at::Tensor& a, int64_t rank, int64_t power_iterations,
                                       int64_t oversample, int64_t seed) {
  const int64_t cols = std::min(rank + oversample, std::min(a.size(0), a.size(1)));
  auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
  at::Tensor omega = at::randn({a.size(1), cols}, gen, a.options());
  at::Tensor q = std::get<0>(at::linalg_qr(a.mm(omega), "reduced"));
  // Subspace iteration, re-orthonormalized each half step so small singular values survive fp32.
  for (int64_t i = 0; i < power_iterations; ++i) {
    at::Tensor z = std::get<0>(at::linalg_qr(a.t().mm(q), "reduced"));
    q = std::get<0>(at::linalg_qr(a.mm(z), "reduced"));
  }
  auto [ub, s, vh] = at::linalg_svd(q.t().mm(a), /*full_matrices=*/false);
  return {q.mm(ub.narrow(1, 0, rank)).contiguous(), s.narrow(0, 0, rank).contiguous(),
          vh.narrow(0, 0, rank).contiguous()};
}

std::vector<at::Tensor> svd(const at::Tensor& a, int64_t rank, const std::string& method, int64_t power_iterations,
                            int64_t oversample, int64_t seed) {
  TORCH_CHECK(a.defined() && a.dim() == 2, "truncated SVD needs a 2-D matrix, got ", a.defined() ? a.dim() : 0,
              " dimensions");
  TORCH_CHECK(a.is_floating_point(), "truncated SVD needs a floating matrix, got ", a.scalar_type());
  const int64_t k = std::min(a.size(0), a.size(1));
  TORCH_CHECK(rank >= 1 && rank <= k, "rank must be in 1..", k, " for a ", a.size(0), "x", a.size(1),
              " matrix, got ", rank);
  TORCH_CHECK(method == "exact" || method == "randomized" || method == "auto",
              "SVD method must be exact, randomized or auto, got '", method, "'");
  TORCH_CHECK(power_iterations >= 0 && power_iterations <= 100, "power iterations must be in 0..100, got ",
              power_iterations);
  TORCH_CHECK(oversample >= 0, "oversampling must be >= 0, got ", oversample);
  at::NoGradGuard no_grad;
  at::Tensor m = a.detach();
  if (m.scalar_type() != at::kDouble) m = m.to(at::kFloat);
  const bool randomized =
      method == "randomized" || (method == "auto" && use_randomized(a.size(0), a.size(1), rank, oversample));
  return randomized ? randomized_svd(m, rank, power_iterations, oversample, seed) : exact_svd(m, rank);
}

}  // namespace lowrank

std::vector<at::Tensor> truncated_svd(const at::Tensor& a, int64_t rank, const std::string& method,
                                      int64_t power_iterations, int64_t oversample, int64_t seed) {
  TS_API_BEGIN
  return lowrank::svd(a, rank, method, power_iterations, oversample, seed);
  TS_API_END
}

}  // namespace torchslim
