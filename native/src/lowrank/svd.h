// The truncated SVD behind torchslim::truncated_svd, for the factorizers (no error translation).
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace torchslim::lowrank {

std::vector<at::Tensor> svd(const at::Tensor& a, int64_t rank, const std::string& method, int64_t power_iterations,
                            int64_t oversample, int64_t seed);

}  // namespace torchslim::lowrank
