// Conv2d -> two or three convolutions on any TorchScript model, as a rewrite of the Conv2d's class:
// its forward becomes the chain of convolutions over new weight parameters, the dense weight goes.
//   spatial (Jaderberg et al. scheme 2, AIMET's spatial SVD): the SVD of W viewed as a
//     (Cin*kh) x (Cout*kw) matrix gives a kh x 1 conv (Cin -> r, the vertical stride/padding/dilation)
//     then a 1 x kw conv (r -> Cout, the horizontal ones, the bias);
//   tucker (Tucker-2 by HOSVD, Kim et al. 2016): U_in [Cin, r_in] and U_out [Cout, r_out] are the
//     leading left singular vectors of W's mode-1 and mode-0 unfoldings, the core is W projected on
//     them: 1x1 (Cin -> r_in), kh x kw core (r_in -> r_out, the original geometry), 1x1 (r_out -> Cout, bias).
// Both are orthogonal projections of W, so ||W - W'||^2 = ||W||^2 - ||W'||^2.
#include <map>
#include <set>
#include <sstream>

#include <ATen/ops/linalg_svdvals.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include "core/error.h"
#include "graph/walk.h"
#include "lowrank/svd.h"
#include "torchslim/lowrank.h"

namespace torchslim {
namespace {

using torch::jit::Module;
using torch::jit::Node;
using torch::jit::Value;

constexpr int64_t kOversample = 10;

// A Conv2d as its forward computes it, or why it cannot be factorized.
struct ConvInfo {
  std::string name;
  Module module;
  int64_t out = 0, in = 0, kh = 0, kw = 0, groups = 1;
  std::vector<int64_t> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  std::string problem;  // empty: factorizable
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_conv(Node* n) {
  return n->kind() == c10::aten::conv2d || n->kind() == c10::aten::_convolution || n->kind() == c10::aten::convolution;
}

// A constant int list (prim::Constant or a ListConstruct of constants), or nothing.
std::optional<std::vector<int64_t>> int_list(Value* v) {
  if (auto iv = torch::jit::toIValue(v)) {
    if (iv->isIntList()) return iv->toIntVector();
    return std::nullopt;
  }
  if (v->node()->kind() != c10::prim::ListConstruct) return std::nullopt;
  std::vector<int64_t> out;
  for (Value* e : v->node()->inputs()) {
    auto iv = torch::jit::toIValue(e);
    if (!iv || !iv->isInt()) return std::nullopt;
    out.push_back(iv->toInt());
  }
  return out;
}

std::vector<int64_t> pair(std::vector<int64_t> v) { return v.size() == 1 ? std::vector<int64_t>{v[0], v[0]} : v; }

// Reads the geometry from the single convolution of the module's inlined forward.
void analyse(ConvInfo& c) {
  at::Tensor w = c.module.attr("weight").toTensor();
  c.out = w.size(0);
  c.in = w.size(1);
  c.kh = w.size(2);
  c.kw = w.size(3);
  auto g = graph::inlined_forward(c.module);
  std::vector<Node*> convs;
  graph::for_each_node(*g->block(), [&](Node* n) {
    if (is_conv(n)) convs.push_back(n);
  });
  if (convs.size() != 1) {
    c.problem = "its forward holds " + std::to_string(convs.size()) + " convolutions";
    return;
  }
  Node* n = convs[0];
  const bool full = n->kind() != c10::aten::conv2d;  // _convolution / convolution: transposed, output_padding, groups
  if (auto gr = torch::jit::toIValue(n->input(full ? 8 : 6)); gr && gr->isInt()) c.groups = gr->toInt();
  if (c.groups != 1) {
    c.problem = "groups=" + std::to_string(c.groups) + " (grouped and depthwise convolutions are not factorized)";
    return;
  }
  if (full) {
    auto tr = torch::jit::toIValue(n->input(6));
    if (!tr || !tr->isBool() || tr->toBool()) {
      c.problem = "transposed convolution";
      return;
    }
  }
  if (n->input(0) != g->inputs().at(1) || g->outputs().size() != 1 || g->outputs()[0] != n->output()) {
    c.problem = "its forward does more than convolve its input (padding_mode other than zeros?)";
    return;
  }
  Node* wread = n->input(1)->node();
  if (wread->kind() != c10::prim::GetAttr || wread->s(c10::attr::name) != "weight" || wread->input(0) != g->inputs()[0]) {
    c.problem = "its convolution does not read self.weight";
    return;
  }
  auto stride = int_list(n->input(3));
  auto dilation = int_list(n->input(5));
  std::optional<std::vector<int64_t>> padding = int_list(n->input(4));
  if (!padding) {
    auto p = torch::jit::toIValue(n->input(4));
    if (p && p->isString() && p->toStringRef() == "valid") padding = std::vector<int64_t>{0, 0};
    else if (p && p->isString()) {
      c.problem = "padding='" + p->toStringRef() + "'";
      return;
    }
  }
  if (!stride || !padding || !dilation) {
    c.problem = "stride, padding or dilation is not a constant";
    return;
  }
  c.stride = pair(*stride);
  c.padding = pair(*padding);
  c.dilation = pair(*dilation);
}

// The Conv2d modules with a 4-D floating weight, in module order, each analysed.
std::vector<ConvInfo> find_convs(const Module& root) {
  std::vector<ConvInfo> out;
  for (const auto& item : root.named_modules()) {
    if (!ends_with(graph::type_name(item.value), "conv.Conv2d") || !item.value.hasattr("weight")) continue;
    c10::IValue w = item.value.attr("weight");
    if (!w.isTensor() || w.toTensor().dim() != 4 || !w.toTensor().is_floating_point()) continue;
    ConvInfo c;
    c.name = item.name;
    c.module = item.value;
    analyse(c);
    out.push_back(std::move(c));
  }
  // Code elsewhere that reads a conv's weight would lose it.
  std::map<c10::ClassType*, std::string> outside;
  for (const auto& g : graph::all_graphs(root)) {
    c10::TypePtr self = g->inputs().empty() ? nullptr : g->inputs()[0]->type();
    graph::for_each_node(*g->block(), [&](Node* n) {
      if (n->kind() != c10::prim::GetAttr || n->s(c10::attr::name) != "weight") return;
      auto cls = n->input(0)->type()->cast<c10::ClassType>();
      if (cls && self != n->input(0)->type()) outside[cls.get()] = self ? self->repr_str() : "?";
    });
  }
  for (ConvInfo& c : out) {
    auto it = outside.find(c.module.type().get());
    if (c.problem.empty() && it != outside.end()) c.problem = "its weight is read outside its forward (by " + it->second + ")";
  }
  return out;
}

void check_kind(const std::string& kind) {
  TORCH_CHECK(kind == "spatial" || kind == "tucker", "conv factorization must be spatial or tucker, got '", kind, "'");
}

at::Tensor as_float(const at::Tensor& w) {
  TORCH_CHECK(w.defined() && w.dim() == 4 && w.is_floating_point(), "a Conv2d weight is a 4-D floating tensor, got ",
              w.defined() ? w.dim() : 0, " dimensions");
  at::Tensor m = w.detach();
  return m.scalar_type() == at::kDouble ? m : m.to(at::kFloat);
}

// W [Cout, Cin, kh, kw] as the (Cin*kh) x (Cout*kw) matrix spatial SVD factorizes.
at::Tensor spatial_matrix(const at::Tensor& w) {
  return w.permute({1, 2, 0, 3}).reshape({w.size(1) * w.size(2), w.size(0) * w.size(3)});
}

// Mode-0 (Cout x Cin*kh*kw) and mode-1 (Cin x Cout*kh*kw) unfoldings.
at::Tensor mode0(const at::Tensor& w) { return w.reshape({w.size(0), -1}); }
at::Tensor mode1(const at::Tensor& w) { return w.transpose(0, 1).reshape({w.size(1), -1}); }

struct Ranks {
  int64_t in = 0, out = 0;
};

void check_ranks(const at::Tensor& w, const std::string& kind, const Ranks& r, const std::string& name) {
  if (kind == "spatial") {
    const int64_t k = std::min(w.size(1) * w.size(2), w.size(0) * w.size(3));
    TORCH_CHECK(r.in >= 1 && r.in <= k, "the spatial rank of '", name, "' must be in 1..", k, ", got ", r.in);
  } else {
    TORCH_CHECK(r.in >= 1 && r.in <= w.size(1) && r.out >= 1 && r.out <= w.size(0), "the Tucker ranks of '", name,
                "' must be in 1..", w.size(1), " (input side) and 1..", w.size(0), " (output side), got ", r.in, "/",
                r.out);
  }
}

// spatial: {vertical [r, Cin, kh, 1], horizontal [Cout, r, 1, kw]};
// tucker: {in [r_in, Cin, 1, 1], core [r_out, r_in, kh, kw], out [Cout, r_out, 1, 1]}.
std::vector<at::Tensor> factors(const at::Tensor& weight, const std::string& kind, const Ranks& r,
                                const std::string& method, int64_t power_iterations, int64_t seed) {
  at::NoGradGuard no_grad;
  at::Tensor w = as_float(weight);
  const int64_t cout = w.size(0), cin = w.size(1), kh = w.size(2), kw = w.size(3);
  if (kind == "spatial") {
    auto f = lowrank::svd(spatial_matrix(w), r.in, method, power_iterations, kOversample, seed);
    at::Tensor root = f[1].sqrt();
    at::Tensor vertical = (f[0] * root.unsqueeze(0)).t().reshape({r.in, cin, kh, 1});
    at::Tensor horizontal =
        (f[2] * root.unsqueeze(1)).reshape({r.in, cout, kw}).permute({1, 0, 2}).reshape({cout, r.in, 1, kw});
    return {vertical.contiguous(), horizontal.contiguous()};
  }
  at::Tensor u_out = lowrank::svd(mode0(w), r.out, method, power_iterations, kOversample, seed)[0];  // [Cout, r_out]
  at::Tensor u_in = lowrank::svd(mode1(w), r.in, method, power_iterations, kOversample, seed)[0];    // [Cin, r_in]
  at::Tensor t = u_out.t().mm(mode0(w)).reshape({r.out, cin, kh * kw}).transpose(0, 1).reshape({cin, -1});
  at::Tensor core = u_in.t().mm(t).reshape({r.in, r.out, kh, kw}).transpose(0, 1);
  return {u_in.t().reshape({r.in, cin, 1, 1}).contiguous(), core.contiguous(),
          u_out.reshape({cout, r.out, 1, 1}).contiguous()};
}

// The dense weight the factors compute.
at::Tensor reconstruct(const std::vector<at::Tensor>& f, const std::string& kind) {
  if (kind == "spatial") {
    const int64_t r = f[0].size(0), cin = f[0].size(1), kh = f[0].size(2), cout = f[1].size(0), kw = f[1].size(3);
    at::Tensor a = f[0].reshape({r, cin * kh}).t();                                  // [(c,i), r]
    at::Tensor b = f[1].reshape({cout, r, kw}).permute({1, 0, 2}).reshape({r, -1});  // [r, (o,j)]
    return a.mm(b).reshape({cin, kh, cout, kw}).permute({2, 0, 1, 3}).contiguous();
  }
  const int64_t rin = f[0].size(0), cin = f[0].size(1), rout = f[1].size(0), kh = f[1].size(2), kw = f[1].size(3);
  const int64_t cout = f[2].size(0);
  at::Tensor core = f[1].reshape({rout, rin * kh * kw});
  at::Tensor t = f[2].reshape({cout, rout}).mm(core).reshape({cout, rin, kh * kw}).transpose(0, 1).reshape({rin, -1});
  return f[0].reshape({rin, cin}).t().mm(t).reshape({cin, cout, kh, kw}).transpose(0, 1).contiguous();
}

std::map<std::string, Ranks> parse_conv_plan(const std::string& plan) {
  std::map<std::string, Ranks> out;
  std::stringstream in(plan);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    const auto b = item.rfind(':');
    const auto a = b == std::string::npos || b == 0 ? std::string::npos : item.rfind(':', b - 1);
    TORCH_CHECK(a != std::string::npos && a > 0, "conv plan entries are name:rank_in:rank_out, got '", item, "'");
    Ranks r;
    try {
      r.in = std::stoll(item.substr(a + 1, b - a - 1));
      r.out = std::stoll(item.substr(b + 1));
    } catch (const std::exception&) {
      TORCH_CHECK(false, "conv plan entries are name:rank_in:rank_out with whole ranks, got '", item, "'");
    }
    TORCH_CHECK(out.emplace(item.substr(0, a), r).second, "layer '", item.substr(0, a), "' appears twice in the plan");
  }
  TORCH_CHECK(!out.empty(), "the conv plan names no layer");
  return out;
}

std::string names_of(const std::vector<ConvInfo>& convs) {
  std::string s;
  for (const auto& c : convs) s += (s.empty() ? "" : ", ") + c.name;
  return s.empty() ? "(none)" : s;
}

Value* ints(torch::jit::Graph& g, int64_t a, int64_t b) { return g.insertConstant(std::vector<int64_t>{a, b}); }

Value* conv2d(torch::jit::Graph& g, Value* x, Value* w, Value* bias, Value* stride, Value* padding, Value* dilation) {
  return g.insert(c10::aten::conv2d, {x, w, bias, stride, padding, dilation, g.insertConstant(int64_t{1})});
}

// Replaces the body of the class's forward by the chain of convolutions over the new parameters.
void rewrite_forward(const c10::ClassTypePtr& cls, const ConvInfo& c, const std::string& kind) {
  auto& graph = *torch::jit::toGraphFunction(cls->getMethod("forward")).graph();
  std::vector<Node*> old;
  for (Node* n : graph.nodes()) old.push_back(n);
  torch::jit::WithInsertPoint guard(graph.return_node());
  Value* self = graph.inputs()[0];
  Value* x = graph.inputs()[1];
  Value* none = graph.insertConstant(c10::IValue());
  Value* bias = cls->hasAttribute("bias") ? graph.insertGetAttr(self, "bias") : none;
  Value* y = nullptr;
  if (kind == "spatial") {
    Value* h = conv2d(graph, x, graph.insertGetAttr(self, "weight_vertical"), none, ints(graph, c.stride[0], 1),
                      ints(graph, c.padding[0], 0), ints(graph, c.dilation[0], 1));
    y = conv2d(graph, h, graph.insertGetAttr(self, "weight_horizontal"), bias, ints(graph, 1, c.stride[1]),
               ints(graph, 0, c.padding[1]), ints(graph, 1, c.dilation[1]));
  } else {
    Value* h = conv2d(graph, x, graph.insertGetAttr(self, "weight_in"), none, ints(graph, 1, 1), ints(graph, 0, 0),
                      ints(graph, 1, 1));
    h = conv2d(graph, h, graph.insertGetAttr(self, "weight_core"), none, ints(graph, c.stride[0], c.stride[1]),
               ints(graph, c.padding[0], c.padding[1]), ints(graph, c.dilation[0], c.dilation[1]));
    y = conv2d(graph, h, graph.insertGetAttr(self, "weight_out"), bias, ints(graph, 1, 1), ints(graph, 0, 0),
               ints(graph, 1, 1));
  }
  graph.return_node()->replaceInput(0, y);
  for (auto it = old.rbegin(); it != old.rend(); ++it) (*it)->destroy();
  torch::jit::EliminateDeadCode(graph.block());
}

}  // namespace

std::string conv_layers(const ScriptModel& model) {
  TS_API_BEGIN
  std::ostringstream s;
  for (const ConvInfo& c : find_convs(model.module())) {
    s << c.name << "\t" << c.out << "\t" << c.in << "\t" << c.kh << "\t" << c.kw << "\t" << c.stride[0] << "\t"
      << c.stride[1] << "\t" << c.padding[0] << "\t" << c.padding[1] << "\t" << c.dilation[0] << "\t" << c.dilation[1]
      << "\t" << c.groups << "\t" << c.module.type()->name()->qualifiedName() << "\t" << c.problem << "\n";
  }
  return s.str();
  TS_API_END
}

std::vector<at::Tensor> conv_spectra(const at::Tensor& weight, const std::string& kind) {
  TS_API_BEGIN
  check_kind(kind);
  at::NoGradGuard no_grad;
  at::Tensor w = as_float(weight);
  if (kind == "spatial") return {at::linalg_svdvals(spatial_matrix(w))};
  return {at::linalg_svdvals(mode1(w)), at::linalg_svdvals(mode0(w))};
  TS_API_END
}

at::Tensor conv_approximation(const at::Tensor& weight, const std::string& kind, int64_t rank_in, int64_t rank_out,
                              const std::string& method, int64_t power_iterations, int64_t seed) {
  TS_API_BEGIN
  check_kind(kind);
  Ranks r{rank_in, rank_out};
  check_ranks(as_float(weight), kind, r, "weight");
  at::NoGradGuard no_grad;
  return reconstruct(factors(weight, kind, r, method, power_iterations, seed), kind).to(weight.scalar_type());
  TS_API_END
}

void factorize_conv(ScriptModel& out, const ScriptModel& model, const std::string& kind, const std::string& plan,
                    const std::string& method, int64_t power_iterations, int64_t seed) {
  TS_API_BEGIN
  check_kind(kind);
  const std::map<std::string, Ranks> ranks = parse_conv_plan(plan);
  at::NoGradGuard no_grad;
  Module m = graph::clone_keeping_grad(model.module());  // new classes: the input model keeps its code
  std::vector<ConvInfo> convs = find_convs(m);
  std::map<std::string, const ConvInfo*> by_name;
  std::map<c10::ClassType*, std::vector<std::string>> by_class;
  for (const ConvInfo& c : convs) {
    by_name[c.name] = &c;
    by_class[c.module.type().get()].push_back(c.name);
  }
  std::map<c10::ClassType*, const ConvInfo*> classes;
  for (const auto& [name, r] : ranks) {
    auto it = by_name.find(name);
    TORCH_CHECK(it != by_name.end(), "no Conv2d named '", name, "' in the model; its Conv2d layers are: ",
                names_of(convs));
    const ConvInfo& c = *it->second;
    TORCH_CHECK(c.problem.empty(), "Conv2d '", name, "' cannot be factorized: ", c.problem);
    for (const std::string& twin : by_class[c.module.type().get()])
      TORCH_CHECK(ranks.count(twin), "'", name, "' and '", twin,
                  "' share one TorchScript class (scripted modules of one configuration share their code), so "
                  "they are factorized together: give '", twin, "' a rank too");
    check_ranks(c.module.attr("weight").toTensor(), kind, r, name);
    classes[c.module.type().get()] = &c;
  }
  const std::vector<std::string> names = kind == "spatial" ? std::vector<std::string>{"weight_vertical", "weight_horizontal"}
                                                           : std::vector<std::string>{"weight_in", "weight_core", "weight_out"};
  for (const auto& [name, r] : ranks) {
    Module conv = by_name.at(name)->module;
    at::Tensor w = conv.attr("weight").toTensor();
    std::vector<at::Tensor> f = factors(w, kind, r, method, power_iterations, seed);
    for (size_t i = 0; i < f.size(); ++i) {
      at::Tensor p = f[i].to(w.scalar_type()).contiguous();
      p.set_requires_grad(w.requires_grad());
      conv.register_parameter(names[i], p, /*is_buffer=*/false);
    }
  }
  for (const auto& [cls, c] : classes) rewrite_forward(c->module.type(), *c, kind);
  // Objects first: an object finds its slot through its class.
  for (const auto& [name, r] : ranks) by_name.at(name)->module._ivalue()->unsafeRemoveAttr("weight");
  for (const auto& [cls, c] : classes) c->module.type()->unsafeRemoveAttribute("weight");
  out.reset(m);
  TS_API_END
}

}  // namespace torchslim
