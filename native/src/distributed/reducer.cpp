// GradientReducer: gradients all-reduced in buckets while backward runs (see torchslim/distributed.h).
// Like c10d::Reducer (torch/csrc/distributed/c10d/reducer.cpp), it hooks each parameter's
// AccumulateGrad node and starts a bucket's all-reduce once all its gradients are in; unlike it,
// each rank's gradients are weighted by its share of the global batch (exact for uneven shards),
// it takes a c10d::Backend (what bytedeco's ProcessGroupGloo is) and its buckets never change.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <sstream>
#include <unordered_set>

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/Backend.hpp>

#include "core/error.h"
#include "torchslim/distributed.h"

namespace torchslim {

using torch::autograd::Node;
using torch::autograd::variable_list;

struct GradientReducer::State {
  /// Post-hook of one parameter's AccumulateGrad node: runs after the gradient is accumulated.
  class ReadyHook final : public torch::autograd::FunctionPostHook {
   public:
    ReadyHook(State* state, size_t index) : state_(state), index_(index) {}
    variable_list operator()(const variable_list& outputs, const variable_list& /*inputs*/) override {
      state_->on_hook(index_);
      return outputs;
    }

   private:
    State* state_;
    size_t index_;
  };

  std::vector<at::Tensor> params;
  std::vector<int64_t> bucket_of, offset;   // per parameter
  std::vector<std::vector<size_t>> buckets;  // parameter indices, in the order they are filled
  std::vector<at::Tensor> flats;
  c10::intrusive_ptr<c10d::Backend> backend;
  bool overlap = true;
  std::vector<c10::intrusive_ptr<Node>> accumulators;
  std::vector<uintptr_t> hook_keys;

  std::mutex mu;
  bool armed = false;
  double scale = 1.0;
  std::vector<char> ready;
  std::vector<int64_t> pending;  // per bucket: parameters not ready yet
  size_t next_bucket = 0;        // buckets [0, next_bucket) have started
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  std::string error;
  int64_t started_before = 0, completed_before = 0;
  int64_t backward_us = 0, wait_us = 0;
  std::vector<int64_t> unused;

  bool recording = false;
  std::vector<std::string> events;
  std::chrono::steady_clock::time_point t0;

  void event(const std::string& what) {
    if (!recording) return;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
    events.push_back(what + " @" + std::to_string(us));
  }

  void on_hook(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    if (!armed) return;  // a backward outside prepare()/finish()
    if (ready[i]) {
      if (error.empty()) {
        error = "parameter " + std::to_string(i) +
                " got a second gradient in one step after its bucket was all-reduced (with overlap, run one "
                "backward per step, or turn overlap off)";
      }
      return;
    }
    try {
      event("ready " + std::to_string(i));
      mark_ready(i);
    } catch (const c10::Error& e) {
      if (error.empty()) error = e.what_without_backtrace();
    } catch (const std::exception& e) {
      if (error.empty()) error = e.what();
    }
  }

  /// Copies parameter i's gradient (zero if it has none) into its bucket; starts the buckets that are complete, in order.
  void mark_ready(size_t i) {
    at::NoGradGuard no_grad;
    ready[i] = 1;
    const at::Tensor& g = params[i].grad();
    int64_t b = bucket_of[i];
    at::Tensor slot = flats[b].narrow(0, offset[i], params[i].numel());
    if (g.defined()) {
      TORCH_CHECK(!g.is_sparse(), "parameter ", i, " has a sparse gradient: not supported by the data-parallel reducer");
      slot.copy_(g.reshape({-1}));
    } else {
      slot.zero_();
      unused.push_back(static_cast<int64_t>(i));
    }
    --pending[b];
    while (next_bucket < buckets.size() && pending[next_bucket] == 0) {
      start(next_bucket++);
    }
  }

  void start(size_t b) {
    if (scale != 1.0) flats[b].mul_(scale);
    std::vector<at::Tensor> v{flats[b]};
    works[b] = backend->allreduce(v, c10d::AllreduceOptions());
    event("start " + std::to_string(b));
  }
};

GradientReducer::GradientReducer(const std::vector<at::Tensor>& params, int64_t bucket_bytes, void* backend,
                                 bool overlap) {
  TS_API_BEGIN
  TORCH_CHECK(backend != nullptr, "no process group");
  TORCH_CHECK(!params.empty(), "no parameters to reduce");
  TORCH_CHECK(bucket_bytes > 0, "bucket size must be positive, got ", bucket_bytes);
  auto s = std::make_unique<State>();
  s->params = params;
  s->overlap = overlap;
  // bytedeco allocates its process groups as intrusive_ptr (refcount >= 1 while Java holds it):
  // one more reference keeps it alive as long as the hooks can fire.
  s->backend = c10::intrusive_ptr<c10d::Backend>::unsafe_reclaim_from_nonowning(static_cast<c10d::Backend*>(backend));
  size_t n = params.size();
  s->bucket_of.assign(n, -1);
  s->offset.assign(n, 0);
  // Reverse order: the last layers' gradients are accumulated first.
  std::vector<size_t> current;
  int64_t bytes = 0;
  auto close = [&]() {
    int64_t numel = 0;
    for (size_t i : current) {
      s->bucket_of[i] = static_cast<int64_t>(s->buckets.size());
      s->offset[i] = numel;
      numel += params[i].numel();
    }
    const at::Tensor& first = params[current.front()];
    s->flats.push_back(at::zeros({numel}, first.options().requires_grad(false)));
    s->buckets.push_back(current);
    current.clear();
    bytes = 0;
  };
  for (size_t k = n; k-- > 0;) {
    const at::Tensor& p = params[k];
    TORCH_CHECK(p.defined() && p.requires_grad(), "parameter ", k, " does not require a gradient");
    int64_t b = p.numel() * static_cast<int64_t>(p.element_size());
    if (!current.empty()) {
      const at::Tensor& f = params[current.front()];
      if (bytes + b > bucket_bytes || f.scalar_type() != p.scalar_type() || f.device() != p.device()) close();
    }
    current.push_back(k);
    bytes += b;
  }
  if (!current.empty()) close();
  s->pending.assign(s->buckets.size(), 0);
  s->works.assign(s->buckets.size(), {});
  s->ready.assign(n, 0);
  if (overlap) {
    for (size_t i = 0; i < n; i++) {
      auto acc = torch::autograd::impl::grad_accumulator(params[i]);
      TORCH_CHECK(acc != nullptr, "parameter ", i, " has no gradient accumulator (not a leaf?)");
      s->hook_keys.push_back(acc->add_post_hook(std::make_unique<State::ReadyHook>(s.get(), i)));
      s->accumulators.push_back(std::move(acc));
    }
  }
  state_ = std::move(s);
  TS_API_END
}

GradientReducer::~GradientReducer() {
  if (!state_) return;
  for (size_t i = 0; i < state_->accumulators.size(); i++) {
    state_->accumulators[i]->del_post_hook(state_->hook_keys[i]);
  }
}

int64_t GradientReducer::bucket_count() const { return static_cast<int64_t>(state_->buckets.size()); }

int64_t GradientReducer::bucket_of(int64_t i) const {
  TS_API_BEGIN
  TORCH_CHECK(i >= 0 && i < static_cast<int64_t>(state_->params.size()), "no parameter ", i);
  return state_->bucket_of[i];
  TS_API_END
}

void GradientReducer::prepare(const at::Tensor& loss, double scale) {
  TS_API_BEGIN
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  s.scale = scale;
  s.error.clear();
  s.unused.clear();
  s.events.clear();
  s.t0 = std::chrono::steady_clock::now();
  std::fill(s.ready.begin(), s.ready.end(), 0);
  for (size_t b = 0; b < s.buckets.size(); b++) {
    s.pending[b] = static_cast<int64_t>(s.buckets[b].size());
    s.works[b].reset();
  }
  s.next_bucket = 0;
  s.started_before = s.completed_before = 0;
  s.armed = s.overlap;
  if (!s.overlap) return;
  // DDP's find_unused_parameters: the accumulators backward will not reach are ready (zero) now,
  // so their buckets do not wait for gradients that never come.
  std::unordered_set<const Node*> seen;
  std::vector<Node*> stack;
  if (loss.defined() && loss.requires_grad()) {
    auto root = loss.grad_fn();
    if (!root) root = torch::autograd::impl::try_get_grad_accumulator(loss);
    if (root) {
      seen.insert(root.get());
      stack.push_back(root.get());
    }
  }
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const auto& edge : node->next_edges()) {
      Node* next = edge.function.get();
      if (next != nullptr && seen.insert(next).second) stack.push_back(next);
    }
  }
  for (size_t i = 0; i < s.params.size(); i++) {
    if (seen.count(s.accumulators[i].get()) == 0) {
      s.event("unreachable " + std::to_string(i));
      s.mark_ready(i);
    }
  }
  TS_API_END
}

void GradientReducer::finish(const at::Tensor& extra) {
  TS_API_BEGIN
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  s.event("finish");
  auto finish_at = std::chrono::steady_clock::now();
  s.backward_us = std::chrono::duration_cast<std::chrono::microseconds>(finish_at - s.t0).count();
  s.armed = false;
  s.started_before = static_cast<int64_t>(s.next_bucket);
  for (size_t b = 0; b < s.next_bucket; b++) {
    if (s.works[b] && s.works[b]->isCompleted()) s.completed_before++;
  }
  // The gradients backward did not deliver (or all of them, without overlap), bucket by bucket.
  for (size_t b = 0; b < s.buckets.size(); b++) {
    for (size_t i : s.buckets[b]) {
      if (!s.ready[i]) s.mark_ready(i);
    }
  }
  c10::intrusive_ptr<c10d::Work> extra_work;
  if (extra.defined()) {
    std::vector<at::Tensor> v{extra};
    extra_work = s.backend->allreduce(v, c10d::AllreduceOptions());
  }
  std::string failed;
  auto wait = [&](c10::intrusive_ptr<c10d::Work>& w, const std::string& what) {
    if (!w) return;
    try {
      w->wait();
    } catch (const c10::Error& e) {
      if (failed.empty()) failed = e.what_without_backtrace();
    } catch (const std::exception& e) {
      if (failed.empty()) failed = e.what();
    }
    w.reset();
    s.event("done " + what);
  };
  for (size_t b = 0; b < s.buckets.size(); b++) wait(s.works[b], std::to_string(b));
  wait(extra_work, "extra");
  s.wait_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - finish_at).count();
  if (!failed.empty()) throw Error(failed);
  if (!s.error.empty()) throw Error(s.error);
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < s.params.size(); i++) {
    at::Tensor& p = s.params[i];
    at::Tensor sum = s.flats[s.bucket_of[i]].narrow(0, s.offset[i], p.numel()).view(p.sizes());
    const at::Tensor& g = p.grad();
    if (g.defined()) {
      g.copy_(sum);
    } else {
      p.mutable_grad() = sum.clone();
    }
  }
  TS_API_END
}

int64_t GradientReducer::started_before_finish() const { return state_->started_before; }

int64_t GradientReducer::completed_before_finish() const { return state_->completed_before; }

int64_t GradientReducer::backward_us() const { return state_->backward_us; }

int64_t GradientReducer::wait_us() const { return state_->wait_us; }

int64_t GradientReducer::unused_count() const { return static_cast<int64_t>(state_->unused.size()); }

int64_t GradientReducer::unused_at(int64_t k) const {
  TS_API_BEGIN
  TORCH_CHECK(k >= 0 && k < unused_count(), "no unused parameter ", k);
  return state_->unused[k];
  TS_API_END
}

void GradientReducer::record_events(bool on) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->recording = on;
}

std::string GradientReducer::events() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::ostringstream out;
  for (const auto& e : state_->events) out << e << '\n';
  return out.str();
}

}  // namespace torchslim
