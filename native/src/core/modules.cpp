// Shared-owned constructors for the modules whose bytedeco Java constructors are not (modules.h).
#include "core/error.h"
#include "torchslim/modules.h"

namespace torchslim {

std::shared_ptr<torch::nn::MaxPool2dImpl> make_max_pool2d(int64_t kernel, int64_t stride) {
  TS_API_BEGIN
  TORCH_CHECK(kernel > 0 && stride > 0, "MaxPool2d needs kernel and stride > 0, got ", kernel, " and ", stride);
  return std::make_shared<torch::nn::MaxPool2dImpl>(torch::nn::MaxPool2dOptions(kernel).stride(stride));
  TS_API_END
}

std::shared_ptr<torch::nn::AvgPool2dImpl> make_avg_pool2d(int64_t kernel, int64_t stride) {
  TS_API_BEGIN
  TORCH_CHECK(kernel > 0 && stride > 0, "AvgPool2d needs kernel and stride > 0, got ", kernel, " and ", stride);
  return std::make_shared<torch::nn::AvgPool2dImpl>(torch::nn::AvgPool2dOptions(kernel).stride(stride));
  TS_API_END
}

std::shared_ptr<torch::nn::AdaptiveAvgPool2dImpl> make_adaptive_avg_pool2d(int64_t height, int64_t width) {
  TS_API_BEGIN
  TORCH_CHECK(height > 0 && width > 0, "AdaptiveAvgPool2d needs an output size > 0, got ", height, "x", width);
  return std::make_shared<torch::nn::AdaptiveAvgPool2dImpl>(
      torch::nn::AdaptiveAvgPool2dOptions(std::vector<int64_t>{height, width}));
  TS_API_END
}

std::shared_ptr<torch::nn::DropoutImpl> make_dropout(double p) {
  TS_API_BEGIN
  TORCH_CHECK(p >= 0 && p <= 1, "Dropout probability must be in [0, 1], got ", p);
  return std::make_shared<torch::nn::DropoutImpl>(torch::nn::DropoutOptions(p));
  TS_API_END
}

std::shared_ptr<torch::nn::Dropout2dImpl> make_dropout2d(double p) {
  TS_API_BEGIN
  TORCH_CHECK(p >= 0 && p <= 1, "Dropout2d probability must be in [0, 1], got ", p);
  return std::make_shared<torch::nn::Dropout2dImpl>(torch::nn::Dropout2dOptions(p));
  TS_API_END
}

std::shared_ptr<torch::nn::BatchNorm1dImpl> make_batch_norm1d(int64_t features) {
  TS_API_BEGIN
  TORCH_CHECK(features > 0, "BatchNorm1d needs features > 0, got ", features);
  return std::make_shared<torch::nn::BatchNorm1dImpl>(torch::nn::BatchNorm1dOptions(features));
  TS_API_END
}

std::shared_ptr<torch::nn::BatchNorm2dImpl> make_batch_norm2d(int64_t features) {
  TS_API_BEGIN
  TORCH_CHECK(features > 0, "BatchNorm2d needs features > 0, got ", features);
  return std::make_shared<torch::nn::BatchNorm2dImpl>(torch::nn::BatchNorm2dOptions(features));
  TS_API_END
}

}  // namespace torchslim
