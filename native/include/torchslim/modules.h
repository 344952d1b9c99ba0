// Shared-owned module constructors (see below). Separate from core.h: these LibTorch headers are heavy.
#pragma once

#include <cstdint>
#include <memory>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/pooling.h>

namespace torchslim {

/// Modules owned by a shared_ptr from birth. bytedeco 1.5.14 allocates these classes with a
/// plain `new` (their Java constructors lack @SharedPtr): a Sequential that receives one through
/// push_back takes ownership too, and the garbage collector's delete of the Java object leaves
/// the Sequential with a dangling child (SIGSEGV in Module::train). Java wrappers of these
/// shared_ptrs only drop a reference when collected.
std::shared_ptr<torch::nn::MaxPool2dImpl> make_max_pool2d(int64_t kernel, int64_t stride);
std::shared_ptr<torch::nn::AvgPool2dImpl> make_avg_pool2d(int64_t kernel, int64_t stride);
std::shared_ptr<torch::nn::AdaptiveAvgPool2dImpl> make_adaptive_avg_pool2d(int64_t height, int64_t width);
std::shared_ptr<torch::nn::DropoutImpl> make_dropout(double p);
std::shared_ptr<torch::nn::Dropout2dImpl> make_dropout2d(double p);
std::shared_ptr<torch::nn::BatchNorm1dImpl> make_batch_norm1d(int64_t features);
std::shared_ptr<torch::nn::BatchNorm2dImpl> make_batch_norm2d(int64_t features);

}  // namespace torchslim
