// Linear -> two Linears on any TorchScript model. The Linear's class gets weight_v [rank, in] and
// weight_u [out, rank] in place of weight, and every graph that read weight is rewritten:
// linear(x, weight, b) becomes linear(linear(x, weight_v), weight_u, b); any other read becomes
// weight_u @ weight_v. The class changes, not a graph copy, so the file stays an ordinary
// module hierarchy that Python loads, fine-tunes and saves.
#include <map>
#include <set>
#include <sstream>

#include <ATen/ops/linalg_svdvals.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include "core/error.h"
#include "graph/walk.h"
#include "lowrank/svd.h"
#include "torchslim/lowrank.h"

namespace torchslim {
namespace {

using torch::jit::Module;

constexpr int64_t kOversample = 10;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The Linears that can be factorized, by module path, in module order.
std::vector<std::pair<std::string, Module>> find_linears(const Module& root) {
  std::vector<std::pair<std::string, Module>> out;
  for (const auto& item : root.named_modules()) {
    if (!ends_with(graph::type_name(item.value), "linear.Linear") || !item.value.hasattr("weight")) continue;
    c10::IValue w = item.value.attr("weight");
    if (!w.isTensor() || w.toTensor().dim() != 2 || !w.toTensor().is_floating_point()) continue;
    out.emplace_back(item.name, item.value);
  }
  return out;
}

std::map<std::string, int64_t> parse_plan(const std::string& plan) {
  std::map<std::string, int64_t> ranks;
  std::stringstream in(plan);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    const auto colon = item.rfind(':');
    TORCH_CHECK(colon != std::string::npos && colon > 0 && colon + 1 < item.size(),
                "low-rank plan entries are name:rank, got '", item, "'");
    const std::string name = item.substr(0, colon);
    int64_t rank = 0;
    try {
      size_t used = 0;
      rank = std::stoll(item.substr(colon + 1), &used);
      TORCH_CHECK(used == item.size() - colon - 1, "");
    } catch (const std::exception&) {
      TORCH_CHECK(false, "the rank of '", name, "' must be an integer, got '", item.substr(colon + 1), "'");
    }
    TORCH_CHECK(ranks.emplace(name, rank).second, "layer '", name, "' appears twice in the low-rank plan");
  }
  TORCH_CHECK(!ranks.empty(), "the low-rank plan names no layer");
  return ranks;
}

std::string names_of(const std::vector<std::pair<std::string, Module>>& linears) {
  std::string s;
  for (const auto& l : linears) s += (s.empty() ? "" : ", ") + l.first;
  return s.empty() ? "(none)" : s;
}

// Rewrites every read of weight on an object of one of the factorized classes.
void rewrite_reads(torch::jit::Graph& g, const std::set<c10::ClassTypePtr>& classes) {
  std::vector<torch::jit::Node*> reads;
  graph::for_each_node(*g.block(), [&](torch::jit::Node* n) {
    if (n->kind() != c10::prim::GetAttr || n->s(c10::attr::name) != "weight") return;
    auto cls = n->input(0)->type()->cast<c10::ClassType>();
    if (cls && classes.count(cls)) reads.push_back(n);
  });
  for (torch::jit::Node* read : reads) {
    torch::jit::Value* obj = read->input(0);
    const std::vector<torch::jit::Use> uses = read->output()->uses();
    for (const torch::jit::Use& use : uses) {
      torch::jit::Node* user = use.user;
      torch::jit::WithInsertPoint guard(user);
      torch::jit::Value* v = g.insertGetAttr(obj, "weight_v");
      torch::jit::Value* u = g.insertGetAttr(obj, "weight_u");
      if (user->kind() == c10::aten::linear && use.offset == 1) {
        torch::jit::Value* none = g.insertConstant(c10::IValue());
        torch::jit::Value* h = g.insert(c10::aten::linear, {user->input(0), v, none});
        torch::jit::Value* y = g.insert(c10::aten::linear, {h, u, user->input(2)});
        user->output()->replaceAllUsesWith(y);
        user->destroy();
      } else {
        user->replaceInput(use.offset, g.insert(c10::aten::mm, {u, v}));
      }
    }
    read->destroy();
  }
  torch::jit::EliminateDeadCode(g.block());
}

}  // namespace

std::string linear_layers(const ScriptModel& model) {
  TS_API_BEGIN
  std::ostringstream s;
  for (const auto& [name, m] : find_linears(model.module())) {
    at::Tensor w = m.attr("weight").toTensor();
    s << name << "\t" << w.size(0) << "\t" << w.size(1) << "\t" << m.type()->name()->qualifiedName() << "\n";
  }
  return s.str();
  TS_API_END
}

at::Tensor linear_singular_values(const ScriptModel& model, const std::string& name) {
  TS_API_BEGIN
  auto linears = find_linears(model.module());
  for (const auto& [n, m] : linears) {
    if (n != name) continue;
    at::NoGradGuard no_grad;
    return at::linalg_svdvals(m.attr("weight").toTensor().detach().to(at::kFloat));
  }
  TORCH_CHECK(false, "no Linear named '", name, "' in the model; its Linear layers are: ", names_of(linears));
  TS_API_END
}

void factorize_linear(ScriptModel& out, const ScriptModel& model, const std::string& plan, const std::string& method,
                      int64_t power_iterations, int64_t seed) {
  TS_API_BEGIN
  const std::map<std::string, int64_t> ranks = parse_plan(plan);
  at::NoGradGuard no_grad;
  Module m = graph::clone_keeping_grad(model.module());  // new classes: the input model keeps its code
  auto linears = find_linears(m);
  std::map<std::string, Module> by_name(linears.begin(), linears.end());
  std::map<c10::ClassType*, std::vector<std::string>> by_class;
  for (const auto& [name, lin] : linears) by_class[lin.type().get()].push_back(name);

  std::set<c10::ClassTypePtr> classes;
  for (const auto& [name, rank] : ranks) {
    auto it = by_name.find(name);
    TORCH_CHECK(it != by_name.end(), "no Linear named '", name, "' in the model; its Linear layers are: ",
                names_of(linears));
    for (const std::string& twin : by_class[it->second.type().get()])
      TORCH_CHECK(ranks.count(twin), "'", name, "' and '", twin,
                  "' share one TorchScript class (scripted modules of one configuration share their code), so "
                  "they are factorized together: give '", twin, "' a rank too");
    classes.insert(it->second.type());
  }
  for (const auto& [name, rank] : ranks) {
    Module lin = by_name.at(name);
    at::Tensor w = lin.attr("weight").toTensor();
    std::vector<at::Tensor> f = lowrank::svd(w, rank, method, power_iterations, kOversample, seed);
    at::Tensor root = f[1].sqrt();
    at::Tensor v = (f[2] * root.unsqueeze(1)).to(w.scalar_type()).contiguous();
    at::Tensor u = (f[0] * root.unsqueeze(0)).to(w.scalar_type()).contiguous();
    v.set_requires_grad(w.requires_grad());
    u.set_requires_grad(w.requires_grad());
    lin.register_parameter("weight_v", v, /*is_buffer=*/false);
    lin.register_parameter("weight_u", u, /*is_buffer=*/false);
  }
  for (const auto& g : graph::all_graphs(m)) rewrite_reads(*g, classes);
  // Objects first: an object finds its slot through its class.
  for (const auto& [name, rank] : ranks) by_name.at(name)._ivalue()->unsafeRemoveAttr("weight");
  for (const auto& cls : classes) cls->unsafeRemoveAttribute("weight");
  out.reset(m);
  TS_API_END
}

}  // namespace torchslim
