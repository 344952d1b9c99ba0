// Data-parallel training: what the Java loop over c10d (dev.torchslim.distributed) needs from
// native code: a model's buffers, and the gradient reducer that all-reduces gradients in buckets
// during backward. Rendezvous and the process group itself are bytedeco's c10d bindings.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "torchslim/graph.h"

namespace torchslim {

/// The model's buffers (recursively), in the order of ScriptModel::buffer_table: the tensors
/// themselves, so a collective that writes them changes the model (observer min/max, BatchNorm).
std::vector<at::Tensor> model_buffers(ScriptModel& model);

/// Gradients all-reduced in buckets, as DDP's Reducer does. Parameters are grouped in reverse
/// order (the order backward produces their gradients) into flat buffers of at most bucket_bytes
/// (one dtype and device per bucket). With overlap, a post-hook on every parameter's
/// AccumulateGrad node copies the gradient into its bucket the moment it is accumulated; when a
/// bucket's last gradient arrives its asynchronous all-reduce starts, while backward continues.
/// Buckets start in index order on every rank (a ready bucket waits for the ones before it), so
/// all ranks issue the same collectives in the same order. Parameters that get no gradient in a
/// step count as zero: prepare() finds those unreachable from the loss (DDP's
/// find_unused_parameters) and marks them ready before backward; any other that got none by
/// finish() is zeroed there and its bucket started then. Without overlap, finish() copies and
/// starts every bucket after backward.
///
/// One step: prepare(loss, scale); loss.backward(); finish(extra). backend is a c10d::Backend*
/// (bytedeco's ProcessGroupGloo / ProcessGroupNCCL), held by reference count while this lives.
class GradientReducer {
 public:
  GradientReducer(const std::vector<at::Tensor>& params, int64_t bucket_bytes, void* backend, bool overlap);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  /// Number of buckets.
  int64_t bucket_count() const;
  /// The bucket of parameter i.
  int64_t bucket_of(int64_t i) const;
  /// Arms the hooks for one backward of loss (undefined: this rank runs no backward this step);
  /// every gradient is multiplied by scale before the sum over ranks.
  void prepare(const at::Tensor& loss, double scale);
  /// After backward: starts the buckets not started yet, all-reduces extra (sum; may be
  /// undefined) with them, waits for all, and writes the sums back into the gradients. Throws
  /// if a collective failed (a peer died, the timeout passed).
  void finish(const at::Tensor& extra);
  /// Buckets whose all-reduce had started when finish() was called (0 without overlap).
  int64_t started_before_finish() const;
  /// Buckets whose all-reduce had already completed when finish() was called.
  int64_t completed_before_finish() const;
  /// Microseconds of the last step from prepare() to finish() (backward, hooks included), and
  /// from finish() until every all-reduce was done.
  int64_t backward_us() const;
  int64_t wait_us() const;
  /// How many parameters got no gradient in the last step (unreachable from the loss, or none
  /// accumulated), and the k-th of them.
  int64_t unused_count() const;
  int64_t unused_at(int64_t k) const;
  /// Records the order of events (ready P, start B, finish, done B, with microseconds since
  /// prepare) from the next prepare() on; events() returns them, one per line.
  void record_events(bool on);
  std::string events() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace torchslim
