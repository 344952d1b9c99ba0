// The op registry of the channel dependency graph: one handler per op kind says how the channels
// of its inputs reach its outputs (Torch-Pruning's prune-in/prune-out functions). Adding an op is
// one entry in handlers(). An op without an entry fixes the channels that reach it.
#include <numeric>
#include <set>

#include <torch/csrc/jit/ir/constants.h>

#include "structural/dependency.h"

namespace torchslim::structural {
namespace {

using torch::jit::Node;
using torch::jit::Value;
using G = DependencyGraph;

int64_t norm_dim(int64_t d, size_t rank) { return d < 0 ? d + static_cast<int64_t>(rank) : d; }

std::optional<int64_t> const_int(const Value* v) {
  auto iv = torch::jit::toIValue(v);
  if (iv && iv->isInt()) return iv->toInt();
  return std::nullopt;
}

std::optional<std::vector<int64_t>> const_ints(const Value* v) {
  if (auto iv = torch::jit::toIValue(v)) {
    if (iv->isIntList()) return iv->toIntVector();
    if (iv->isInt()) return std::vector<int64_t>{iv->toInt()};
    return std::nullopt;
  }
  if (v->node()->kind() == c10::prim::ListConstruct) {
    std::vector<int64_t> out;
    for (const Value* in : v->node()->inputs()) {
      auto i = const_int(in);
      if (!i) return std::nullopt;
      out.push_back(*i);
    }
    return out;
  }
  return std::nullopt;
}

int64_t prod(const std::vector<int64_t>& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to && i < s.size(); ++i) p *= s[i];
  return p;
}

std::vector<int64_t> repeat_each(const std::vector<int64_t>& el, int64_t outer, int64_t inner) {
  std::vector<int64_t> out;
  out.reserve(el.size() * outer * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t e : el)
      for (int64_t i = 0; i < inner; ++i) out.push_back(e);
  return out;
}

bool is_tensor(const Value* v) { return static_cast<bool>(v->type()->cast<c10::TensorType>()); }

// Output 0 (and any other tensor output of the same rank) carries input 0's channels.
void pass(G& g, Node* n) {
  auto* c = g.channels(n->input(0));
  if (!c) return;
  Channels copy = *c;
  auto* in = g.shape(n->input(0));
  for (const Value* out : n->outputs()) {
    auto* s = g.shape(out);
    if (s && in && s->size() == in->size() && (*s)[copy.dim] == static_cast<int64_t>(copy.el.size()))
      g.set(out, copy);
    else if (s)
      g.fix(copy.el, "shape changed by " + G::where(n));
  }
}

// Pooling and resizing: channels pass unless the op works on them (the last k dims).
Handler spatial(size_t k) {
  return [k](G& g, Node* n) {
    auto* c = g.channels(n->input(0));
    auto* s = g.shape(n->input(0));
    if (!c || !s) return;
    if (c->dim + static_cast<int64_t>(k) >= static_cast<int64_t>(s->size())) {
      g.fix(c->el, "pooled over by " + G::where(n));
      return;
    }
    pass(g, n);
  };
}

// Broadcasting elementwise ops over the given tensor operands: channels at the same output dim unite.
Handler broadcast(std::vector<size_t> operands) {
  return [operands](G& g, Node* n) {
    auto* out = g.shape(n->output(0));
    if (!out) return;
    int64_t rank = static_cast<int64_t>(out->size());
    std::optional<int64_t> dim;
    std::vector<int64_t> el;
    std::vector<Channels*> tracked;
    for (size_t i : operands) {
      if (i >= n->inputs().size() || !is_tensor(n->input(i))) continue;
      auto* c = g.channels(n->input(i));
      auto* s = g.shape(n->input(i));
      if (!c || !s) continue;
      int64_t od = c->dim + rank - static_cast<int64_t>(s->size());
      if (!dim) {
        dim = od;
        el = c->el;
      } else if (*dim == od) {
        g.unite_all(el, c->el);
      } else {
        g.fix(el, "meets channels on another dim in " + G::where(n));
        g.fix(c->el, "meets channels on another dim in " + G::where(n));
      }
      tracked.push_back(c);
    }
    if (!dim) return;
    for (size_t i : operands) {
      if (i >= n->inputs().size() || !is_tensor(n->input(i)) || g.channels(n->input(i))) continue;
      auto* s = g.shape(n->input(i));
      if (!s) continue;
      int64_t id = *dim - (rank - static_cast<int64_t>(s->size()));
      if (id >= 0 && (*s)[id] > 1) g.fix(el, "combined with untracked channels in " + G::where(n));
    }
    if (static_cast<int64_t>(el.size()) != (*out)[*dim]) {
      g.fix(el, "broadcast in " + G::where(n));
      return;
    }
    for (const Value* o : n->outputs())
      if (is_tensor(o)) g.set(o, Channels{*dim, el});
  };
}

void unknown(G& g, Node* n, const std::string& why) {
  std::string reason = "reaches " + G::where(n) + " (" + why + ")";
  for (const Value* in : n->inputs()) g.fix_value(in, reason);
}

void bias_use(G& g, const Value* bias, const std::vector<int64_t>& el) {
  if (auto p = g.param_path(bias)) g.use(*p, 0, el, true);
}

// aten::_convolution / conv{1,2,3}d / conv_transpose{1,2,3}d.
Handler conv(size_t groups_input, std::optional<size_t> transposed_input, bool transposed_fixed) {
  return [=](G& g, Node* n) {
    auto weight = g.param_path(n->input(1));
    auto groups = const_int(n->input(groups_input));
    bool transposed = transposed_fixed;
    if (transposed_input) {
      auto iv = torch::jit::toIValue(n->input(*transposed_input));
      if (!iv || !iv->isBool()) return unknown(g, n, "transposed flag computed at run time");
      transposed = iv->toBool();
    }
    auto* out_shape = g.shape(n->output(0));
    auto* in_shape = g.shape(n->input(0));
    if (!weight || !groups || !out_shape || !in_shape) return unknown(g, n, "weight or groups not a module attribute");
    int64_t cin = (*in_shape)[1], cout = (*out_shape)[1];
    auto* in = g.channels(n->input(0));
    if (in && in->dim != 1) {
      g.fix(in->el, "not the channel dim of " + G::where(n));
      in = nullptr;
    }
    int64_t out_dim = transposed ? 1 : 0, in_dim = transposed ? 0 : 1;
    if (*groups == 1) {
      auto el = g.fresh(cout);
      g.use(*weight, out_dim, el, true);
      bias_use(g, n->input(2), el);
      if (in) g.use(*weight, in_dim, in->el, false);
      g.set(n->output(0), Channels{1, el});
    } else if (*groups == cin && cout == cin && !transposed) {  // depthwise
      std::vector<int64_t> el;
      if (in) {
        el = in->el;
      } else {
        el = g.fresh(cout);
        g.fix(el, "depthwise over fixed channels in " + G::where(n));
      }
      g.use(*weight, 0, el, true);
      bias_use(g, n->input(2), el);
      g.edit_int(n, groups_input, -1, el, 1);
      g.set(n->output(0), Channels{1, el});
    } else {
      if (in) g.fix(in->el, "grouped conv (groups=" + std::to_string(*groups) + ") " + G::where(n));
      auto el = g.fresh(cout);
      g.fix(el, "grouped conv (groups=" + std::to_string(*groups) + ") " + G::where(n));
      g.set(n->output(0), Channels{1, el});
    }
  };
}

void matmul(G& g, Node* n);

// y = x W^T + b with W (out, in) a module attribute; bias may be None or absent.
void linear_of(G& g, Node* n, const Value* x, const std::optional<std::string>& weight, const Value* bias) {
  auto* out_shape = g.shape(n->output(0));
  if (!weight || !out_shape) return unknown(g, n, "weight not a module attribute");
  auto* in = g.channels(x);
  auto* in_shape = g.shape(x);
  if (in && in_shape && in->dim == static_cast<int64_t>(in_shape->size()) - 1)
    g.use(*weight, 1, in->el, false);
  else if (in)
    g.fix(in->el, "not the feature dim of " + G::where(n));
  auto el = g.fresh(out_shape->back());
  g.use(*weight, 0, el, true);
  if (bias) bias_use(g, bias, el);
  g.set(n->output(0), Channels{static_cast<int64_t>(out_shape->size()) - 1, el});
}

void linear(G& g, Node* n) { linear_of(g, n, n->input(0), g.param_path(n->input(1)), n->input(2)); }

// W^T for a module attribute W: aten::t(W) or W.transpose(0, 1); what LibTorch's C++ Linear traces to.
std::optional<std::string> transposed_param(const G& g, const Value* v) {
  const Node* p = v->node();
  if (p->kind() == c10::aten::t) return g.param_path(p->input(0));
  if (p->kind() == c10::aten::transpose) {
    auto a = const_int(p->input(1)), b = const_int(p->input(2));
    if (a && b && ((*a == 0 && (*b == 1 || *b == -1)) || (*b == 0 && (*a == 1 || *a == -1))))
      return g.param_path(p->input(0));
  }
  return std::nullopt;
}

// addmm(b, x, W^T, beta, alpha) and mm(x, W^T): a Linear as the C++ frontend's trace records it (2-d input).
void addmm(G& g, Node* n) {
  bool has_bias = n->kind() == c10::aten::addmm;
  const Value* x = n->input(has_bias ? 1 : 0);
  const Value* w = n->input(has_bias ? 2 : 1);
  auto weight = transposed_param(g, w);
  if (!weight) {  // two activations: a matrix product
    if (has_bias) return unknown(g, n, "a product with no module weight");
    return matmul(g, n);
  }
  if (has_bias) {
    auto beta = torch::jit::toIValue(n->input(3)), alpha = torch::jit::toIValue(n->input(4));
    bool ones = beta && alpha && beta->isScalar() && alpha->isScalar() && beta->toScalar().toDouble() == 1.0 &&
                alpha->toScalar().toDouble() == 1.0;
    if (!ones) return unknown(g, n, "beta or alpha not 1");
    auto* b = g.shape(n->input(0));
    if (!b || b->size() != 1) return unknown(g, n, "bias not a vector");
  }
  linear_of(g, n, x, weight, has_bias ? n->input(0) : nullptr);
}

void embedding(G& g, Node* n) {
  auto weight = g.param_path(n->input(0));
  auto* out_shape = g.shape(n->output(0));
  if (!weight || !out_shape) return unknown(g, n, "weight not a module attribute");
  auto el = g.fresh(out_shape->back());
  g.use(*weight, 1, el, true);
  g.set(n->output(0), Channels{static_cast<int64_t>(out_shape->size()) - 1, el});
}

// batch_norm / instance_norm: (input, weight, bias, running_mean, running_var, ...), channels at dim 1.
void batch_norm(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  if (!in) return;
  if (in->dim != 1) return unknown(g, n, "normalises another dim");
  for (size_t i = 1; i <= 4; ++i)
    if (auto p = g.param_path(n->input(i))) g.use(*p, 0, in->el, i <= 2, i == 1);
  g.set(n->output(0), *in);
}

void layer_norm(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  auto* s = g.shape(n->input(0));
  if (!in || !s) return;
  auto normalized = const_ints(n->input(1));
  int64_t rank = static_cast<int64_t>(s->size());
  if (!normalized) return unknown(g, n, "normalized_shape computed at run time");
  int64_t first = rank - static_cast<int64_t>(normalized->size());
  if (in->dim < first) return g.set(n->output(0), *in);
  if (in->dim != rank - 1 || normalized->size() != 1) return unknown(g, n, "normalises over several dims");
  for (size_t i = 2; i <= 3; ++i)
    if (auto p = g.param_path(n->input(i))) g.use(*p, 0, in->el, true, i == 2);
  g.edit_int(n, 1, 0, in->el, 1);
  g.set(n->output(0), *in);
}

void flatten(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  auto* s = g.shape(n->input(0));
  if (!in || !s) return;
  auto start = const_int(n->input(1)), end = const_int(n->input(2));
  if (!start || !end) return unknown(g, n, "dims computed at run time");
  int64_t a = norm_dim(*start, s->size()), b = norm_dim(*end, s->size());
  if (in->dim < a) return g.set(n->output(0), *in);
  if (in->dim > b) return g.set(n->output(0), Channels{in->dim - (b - a), in->el});
  int64_t outer = prod(*s, a, in->dim), inner = prod(*s, in->dim + 1, b + 1);
  g.set(n->output(0), Channels{a, repeat_each(in->el, outer, inner)});
}

// The int that gives out dim e in a view/reshape size list: a constant we may rewrite, or not.
void view_edit(G& g, Node* n, size_t input, int64_t e, const std::vector<int64_t>& el, int64_t factor,
               const std::vector<int64_t>& elements_fixed_if_dynamic) {
  const Value* list = n->input(input);
  const Value* entry = nullptr;
  if (auto iv = torch::jit::toIValue(list)) {
    if (iv->isIntList() && iv->toIntVector()[e] == -1) return;
    return g.edit_int(n, input, e, el, factor);
  }
  if (list->node()->kind() != c10::prim::ListConstruct || e >= static_cast<int64_t>(list->node()->inputs().size()))
    return g.fix(elements_fixed_if_dynamic, "size list computed at run time in " + G::where(n));
  entry = list->node()->input(e);
  if (auto v = const_int(entry)) {
    if (*v == -1) return;
    return g.edit_int(n, input, e, el, factor);
  }
  // The size read from a tensor's same channels at run time (a trace's x.view(t, b, x.size(1))):
  // right after removal too, once both hold the same channels.
  if (factor == 1 && entry->node()->kind() == c10::aten::size && entry->node()->inputs().size() == 2) {
    auto* src = g.channels(entry->node()->input(0));
    auto* s = g.shape(entry->node()->input(0));
    auto d = const_int(entry->node()->input(1));
    if (src && s && d && norm_dim(*d, s->size()) == src->dim && src->el.size() == el.size()) {
      g.unite_all(src->el, el);
      return g.vouch(entry);
    }
  }
  g.fix(elements_fixed_if_dynamic, "channel size computed at run time in " + G::where(n));
}

// view / reshape through the probed shapes: the channel dim moves, merges with the dims after it
// (flatten), or splits into (heads, width) (attention): whole heads then leave together.
void reshape(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  auto* s = g.shape(n->input(0));
  auto* o = g.shape(n->output(0));
  if (!in || !s || !o) return;
  int64_t d = in->dim, C = (*s)[d];
  int64_t before = prod(*s, 0, d);
  int64_t p = 1;
  for (size_t e = 0; e < o->size(); p *= (*o)[e], ++e) {
    if (p != before) continue;
    int64_t oe = (*o)[e];
    if (oe == 1 && C != 1) continue;
    if (oe == C) {
      view_edit(g, n, 1, e, in->el, 1, in->el);
      return g.set(n->output(0), Channels{static_cast<int64_t>(e), in->el});
    }
    if (oe > C && oe % C == 0) {
      int64_t inner = oe / C;
      int64_t q = 1;
      for (size_t k = d + 1; k < s->size() && q < inner; ++k) q *= (*s)[k];
      if (q != inner) break;
      view_edit(g, n, 1, e, in->el, inner, in->el);
      return g.set(n->output(0), Channels{static_cast<int64_t>(e), repeat_each(in->el, 1, inner)});
    }
    if (oe < C && C % oe == 0) {
      int64_t per = C / oe;
      if (e + 1 >= o->size() || prod(*o, e + 1, o->size()) % per != 0) break;
      std::vector<int64_t> heads;
      for (int64_t h = 0; h < oe; ++h) {
        for (int64_t j = 1; j < per; ++j) g.unite(in->el[h * per], in->el[h * per + j]);
        heads.push_back(in->el[h * per]);
      }
      view_edit(g, n, 1, e, heads, 1, in->el);
      return g.set(n->output(0), Channels{static_cast<int64_t>(e), heads});
    }
    break;
  }
  unknown(g, n, "reshapes the channel dim");
}

void permute(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  if (!in) return;
  auto dims = const_ints(n->input(1));
  auto* s = g.shape(n->input(0));
  if (!dims || !s) return unknown(g, n, "dims computed at run time");
  for (size_t i = 0; i < dims->size(); ++i)
    if (norm_dim((*dims)[i], s->size()) == in->dim) return g.set(n->output(0), Channels{static_cast<int64_t>(i), in->el});
}

void transpose(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  auto* s = g.shape(n->input(0));
  if (!in || !s) return;
  int64_t a = 0, b = 1;
  if (n->kind() != c10::aten::t) {
    auto x = const_int(n->input(1)), y = const_int(n->input(2));
    if (!x || !y) return unknown(g, n, "dims computed at run time");
    a = norm_dim(*x, s->size());
    b = norm_dim(*y, s->size());
  } else if (s->size() < 2) {
    return g.set(n->output(0), *in);
  }
  int64_t d = in->dim == a ? b : in->dim == b ? a : in->dim;
  g.set(n->output(0), Channels{d, in->el});
}

// unsqueeze / squeeze / expand / repeat and friends: match dims through the probed shapes.
void align(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  auto* s = g.shape(n->input(0));
  auto* o = g.shape(n->output(0));
  if (!in || !s || !o) return;
  int64_t C = (*s)[in->dim];
  int64_t after = static_cast<int64_t>(s->size()) - in->dim;  // dims from the channel dim to the end
  if (n->kind() == c10::aten::unsqueeze) {
    auto d = const_int(n->input(1));
    if (!d) return unknown(g, n, "dim computed at run time");
    int64_t u = norm_dim(*d, o->size());
    return g.set(n->output(0), Channels{u <= in->dim ? in->dim + 1 : in->dim, in->el});
  }
  if (n->kind() == c10::aten::squeeze) {
    // squeezed dims are size 1: the named ones, or all
    std::optional<std::vector<int64_t>> dims;
    if (n->inputs().size() > 1) dims = const_ints(n->input(1));
    int64_t removed_before = 0;
    for (int64_t i = 0; i < in->dim; ++i) {
      if ((*s)[i] != 1) continue;
      bool named = !dims;
      if (dims)
        for (int64_t x : *dims) named = named || norm_dim(x, s->size()) == i;
      if (named) ++removed_before;
    }
    int64_t d = in->dim - removed_before;
    if (d < 0 || d >= static_cast<int64_t>(o->size()) || (*o)[d] != C) return unknown(g, n, "squeezes the channel dim");
    return g.set(n->output(0), Channels{d, in->el});
  }
  // expand / repeat / expand_as: the trailing dims stay aligned
  int64_t d = static_cast<int64_t>(o->size()) - after;
  if (d < 0 || (*o)[d] != C) return unknown(g, n, "changes the channel dim's size");
  g.set(n->output(0), Channels{d, in->el});
}

void select(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  auto* s = g.shape(n->input(0));
  if (!in || !s) return;
  auto d = const_int(n->input(1));
  if (!d) return unknown(g, n, "dim computed at run time");
  int64_t dim = norm_dim(*d, s->size());
  if (dim == in->dim) return unknown(g, n, "indexes the channel dim");
  g.set(n->output(0), Channels{dim < in->dim ? in->dim - 1 : in->dim, in->el});
}

void slice(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  auto* s = g.shape(n->input(0));
  auto* o = g.shape(n->output(0));
  if (!in || !s || !o) return;
  auto d = const_int(n->input(1));
  if (!d) return unknown(g, n, "dim computed at run time");
  if (norm_dim(*d, s->size()) == in->dim && (*o)[in->dim] != (*s)[in->dim]) return unknown(g, n, "slices the channel dim");
  g.set(n->output(0), *in);
}

// mean / sum / amax / amin (input, dims, keepdim, ...)
void reduce(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  auto* s = g.shape(n->input(0));
  auto* o = g.shape(n->output(0));
  if (!in || !s || !o) return;
  if (n->inputs().size() < 3) return unknown(g, n, "reduces every dim");
  auto dims = const_ints(n->input(1));
  if (!dims) return unknown(g, n, "dims computed at run time");
  int64_t before = 0;
  for (int64_t d : *dims) {
    int64_t x = norm_dim(d, s->size());
    if (x == in->dim) return unknown(g, n, "reduces over the channel dim");
    if (x < in->dim) ++before;
  }
  bool keep = o->size() == s->size();
  g.set(n->output(0), Channels{keep ? in->dim : in->dim - before, in->el});
}

void softmax(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  auto* s = g.shape(n->input(0));
  if (!in || !s) return;
  auto d = const_int(n->input(1));
  if (!d || norm_dim(*d, s->size()) == in->dim) return unknown(g, n, "normalises over the channel dim");
  g.set(n->output(0), *in);
}

void list_construct(G& g, Node* n) {
  std::vector<std::optional<Channels>> items;
  bool any = false;
  for (const Value* in : n->inputs()) {
    if (auto* c = g.channels(in)) {
      items.emplace_back(*c);
      any = true;
    } else {
      items.emplace_back(std::nullopt);
    }
  }
  if (any) g.set_list(n->output(), std::move(items));
}

void list_unpack(G& g, Node* n) {
  auto* items = g.list(n->input(0));
  if (!items) return;
  for (size_t i = 0; i < n->outputs().size() && i < items->size(); ++i)
    if ((*items)[i]) g.set(n->output(i), *(*items)[i]);
}

void list_index(G& g, Node* n) {
  auto* items = g.list(n->input(0));
  if (!items) return;
  auto i = const_int(n->input(1));
  if (!i) return unknown(g, n, "index computed at run time");
  int64_t k = norm_dim(*i, items->size());
  if (k >= 0 && k < static_cast<int64_t>(items->size()) && (*items)[k]) g.set(n->output(0), *(*items)[k]);
}

void cat(G& g, Node* n) {
  auto* items = g.list(n->input(0));
  auto* o = g.shape(n->output(0));
  if (!items || !o) return;
  auto d = const_int(n->input(1));
  if (!d) return unknown(g, n, "dim computed at run time");
  int64_t dim = norm_dim(*d, o->size());
  const auto& parts = n->input(0)->node()->inputs();
  bool along = false;
  for (auto& it : *items) along = along || (it && it->dim == dim);
  if (along) {  // concatenated channels: offsets
    std::vector<int64_t> el;
    for (size_t i = 0; i < items->size(); ++i) {
      auto& it = (*items)[i];
      if (it && it->dim == dim) {
        el.insert(el.end(), it->el.begin(), it->el.end());
      } else {
        if (it) g.fix(it->el, "concatenated on another dim in " + G::where(n));
        auto* s = g.shape(parts[i]);
        auto extra = g.fresh(s ? (*s)[dim] : 0);
        g.fix(extra, "concatenated untracked channels in " + G::where(n));
        el.insert(el.end(), extra.begin(), extra.end());
      }
    }
    return g.set(n->output(0), Channels{dim, el});
  }
  // concatenated along another dim (tokens): every part shares the channels
  std::optional<Channels> first;
  for (size_t i = 0; i < items->size(); ++i) {
    auto& it = (*items)[i];
    if (!it) continue;
    if (!first) first = *it;
    else if (it->dim == first->dim) g.unite_all(first->el, it->el);
    else g.fix(it->el, "concatenated on another dim in " + G::where(n));
  }
  for (size_t i = 0; i < items->size(); ++i) {
    auto* s = g.shape(parts[i]);
    if (!(*items)[i] && s && (*s)[first->dim] > 1) g.fix(first->el, "concatenated with untracked channels in " + G::where(n));
  }
  g.set(n->output(0), *first);
}

// split / split_with_sizes / chunk / unbind: a list of parts.
void split(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  auto* s = g.shape(n->input(0));
  if (!in || !s) return;
  auto d = const_int(n->inputs().size() > 2 ? n->input(2) : n->input(1));
  if (!d) return unknown(g, n, "dim computed at run time");
  int64_t dim = norm_dim(*d, s->size());
  bool list_out = n->outputs().size() == 1 && n->output(0)->type()->kind() == c10::TypeKind::ListType;
  std::vector<std::optional<Channels>> parts;
  if (dim != in->dim) {
    // parts keep the channels; their number is known only from a list unpack
    size_t count = list_out ? 0 : n->outputs().size();
    if (list_out)
      for (const auto& use : n->output(0)->uses())
        if (use.user->kind() == c10::prim::ListUnpack) count = use.user->outputs().size();
    if (count == 0) return unknown(g, n, "parts used as a list");
    for (size_t i = 0; i < count; ++i) parts.emplace_back(*in);
  } else {
    auto sizes = n->kind() == c10::aten::split_with_sizes || n->kind() == c10::aten::split
                     ? const_ints(n->input(1)) : std::nullopt;
    if (!sizes || sizes->size() < 2 || std::accumulate(sizes->begin(), sizes->end(), int64_t{0}) != (*s)[dim])
      return unknown(g, n, "splits the channel dim into equal parts");
    int64_t off = 0;
    for (size_t i = 0; i < sizes->size(); ++i) {
      std::vector<int64_t> el(in->el.begin() + off, in->el.begin() + off + (*sizes)[i]);
      off += (*sizes)[i];
      g.edit_int(n, 1, static_cast<int64_t>(i), el, 1);
      parts.emplace_back(Channels{dim, el});
    }
  }
  if (list_out) {
    g.set_list(n->output(0), parts);
  } else {
    for (size_t i = 0; i < n->outputs().size() && i < parts.size(); ++i) g.set(n->output(i), *parts[i]);
  }
}

// matmul / bmm between activations: batch dims unite, the contracted dims unite, rows and columns pass.
void matmul(G& g, Node* n) {
  auto* a = g.channels(n->input(0));
  auto* b = g.channels(n->input(1));
  auto* sa = g.shape(n->input(0));
  auto* sb = g.shape(n->input(1));
  auto* o = g.shape(n->output(0));
  if ((!a && !b) || !sa || !sb || !o) return;
  int64_t ra = sa->size(), rb = sb->size(), ro = o->size();
  if (ra < 2 || rb < 2) return unknown(g, n, "vector operand");
  std::optional<Channels> out;
  auto place = [&](Channels c) {
    if (!out) out = c;
    else if (out->dim == c.dim) g.unite_all(out->el, c.el);
    else { g.fix(out->el, "two channel dims in " + G::where(n)); g.fix(c.el, "two channel dims in " + G::where(n)); }
  };
  bool contracted_a = a && a->dim == ra - 1, contracted_b = b && b->dim == rb - 2;
  if (contracted_a && contracted_b) {
    g.unite_all(a->el, b->el);
  } else if (contracted_a || contracted_b) {
    auto param = g.param_path(n->input(1));
    if (contracted_a && param) g.use(*param, rb - 2, a->el, false);
    else unknown(g, n, "contracts channels with an untracked operand");
  }
  if (a && !contracted_a) place(Channels{a->dim + ro - ra, a->el});
  if (b && !contracted_b) place(Channels{b->dim == rb - 1 ? ro - 1 : b->dim + ro - rb, b->el});
  if (out) g.set(n->output(0), *out);
}

// scaled_dot_product_attention(q, k, v, mask, ...): heads unite across q, k, v; q.k widths unite.
void attention(G& g, Node* n) {
  auto* o = g.shape(n->output(0));
  if (!o) return;
  int64_t r = o->size();
  Channels* q = g.channels(n->input(0));
  Channels* k = g.channels(n->input(1));
  Channels* v = g.channels(n->input(2));
  if (n->inputs().size() > 3) g.fix_value(n->input(3), "attention mask of " + G::where(n));
  std::optional<Channels> out;
  std::vector<Channels*> heads;
  for (Channels* c : {q, k, v})
    if (c && c->dim < r - 2) heads.push_back(c);
  for (size_t i = 1; i < heads.size(); ++i) {
    if (heads[i]->dim == heads[0]->dim) g.unite_all(heads[0]->el, heads[i]->el);
    else unknown(g, n, "heads on different dims");
  }
  if (!heads.empty()) {
    if (heads.size() != 3) return unknown(g, n, "heads of only some of q, k, v tracked");
    out = *heads[0];
  }
  bool qw = q && q->dim == r - 1, kw = k && k->dim == r - 1;
  if (qw && kw) g.unite_all(q->el, k->el);
  else if (qw || kw) unknown(g, n, "q and k widths tracked apart");
  if (q && q->dim == r - 2) g.fix(q->el, "tokens of " + G::where(n));
  if (k && k->dim == r - 2) g.fix(k->el, "tokens of " + G::where(n));
  if (v && v->dim == r - 2) g.fix(v->el, "tokens of " + G::where(n));
  if (v && v->dim == r - 1) {
    if (out) { g.fix(out->el, "two channel dims in " + G::where(n)); g.fix(v->el, "two channel dims"); }
    else out = *v;
  }
  if (out) g.set(n->output(0), *out);
}

// How many view/reshape size lists read the int v as an entry; 0 when anything else reads it.
int64_t shape_list_reads(const Value* v) {
  int64_t reads = 0;
  for (const auto& use : v->uses()) {
    if (use.user->kind() != c10::prim::ListConstruct) return 0;
    for (const auto& list_use : use.user->output()->uses()) {
      auto k = list_use.user->kind();
      if ((k != c10::aten::view && k != c10::aten::reshape) || list_use.offset != 1) return 0;
      ++reads;
    }
  }
  return reads;
}

// aten::size(x, d) reading the channel count (it would feed arithmetic or a new tensor's shape)
// fixes the channels, unless every read of it sizes a view of those same channels (view_edit vouches).
void size(G& g, Node* n) {
  auto* in = g.channels(n->input(0));
  if (!in) return;
  if (n->inputs().size() > 1) {
    auto* s = g.shape(n->input(0));
    auto d = const_int(n->input(1));
    if (!d || !s || norm_dim(*d, s->size()) == in->dim) {
      std::string reason = "channel count read by " + G::where(n);
      int64_t reads = d ? shape_list_reads(n->output()) : 0;
      if (reads > 0)
        g.defer_fix(n->output(), in->el, reason, reads);
      else
        g.fix(in->el, reason);
    }
    return;
  }
  for (const auto& use : n->output()->uses()) {
    if (use.user->kind() == c10::aten::len) continue;
    if (use.user->kind() == c10::prim::ListUnpack && in->dim < static_cast<int64_t>(use.user->outputs().size())) {
      if (!use.user->output(in->dim)->hasUses()) continue;
    } else if (use.user->kind() == c10::aten::__getitem__) {
      auto i = const_int(use.user->input(1));
      if (i && *i != in->dim && *i >= 0) continue;
    }
    return g.fix(in->el, "channel count read by " + G::where(n));
  }
}

}  // namespace

bool is_inert(const std::string& kind) {
  static const std::set<std::string> inert = {
      "aten::dim", "prim::dtype", "prim::device", "prim::layout", "aten::__isnot__", "aten::__is__",
      "aten::is_floating_point", "prim::is_cuda", "aten::len", "aten::numel", "prim::RaiseException",
      "aten::warn", "prim::Uninitialized", "aten::__interpolate"};
  return inert.count(kind) > 0;
}

const std::unordered_map<std::string, Handler>& handlers() {
  static const std::unordered_map<std::string, Handler> table = [] {
    std::unordered_map<std::string, Handler> t;
    for (const char* op : {"relu", "relu_", "relu6", "relu6_", "hardtanh", "hardtanh_", "silu", "silu_", "gelu",
                           "gelu_", "sigmoid", "sigmoid_", "hardswish", "hardswish_", "hardsigmoid",
                           "hardsigmoid_", "tanh", "tanh_", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu",
                           "mish", "softplus", "erf", "exp", "log", "sqrt", "rsqrt", "neg", "abs", "square",
                           "reciprocal", "clamp", "clamp_", "clamp_min", "clamp_max", "dropout", "dropout_",
                           "feature_dropout", "alpha_dropout", "contiguous", "clone", "detach", "to", "type_as",
                           "zeros_like", "ones_like", "empty_like", "full_like", "pow", "threshold"})
      t[std::string("aten::") + op] = pass;
    t["prim::unchecked_cast"] = pass;
    for (const char* op : {"add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "rsub", "maximum",
                           "minimum", "masked_fill", "masked_fill_"})
      t[std::string("aten::") + op] = broadcast({0, 1});
    t["aten::where"] = broadcast({0, 1, 2});
    for (const char* op : {"max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d"})
      t[std::string("aten::") + op] = spatial(1);
    for (const char* op : {"max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
                           "max_pool2d_with_indices", "upsample_nearest2d", "upsample_bilinear2d",
                           "constant_pad_nd", "reflection_pad2d", "replication_pad2d"})
      t[std::string("aten::") + op] = spatial(2);
    for (const char* op : {"max_pool3d", "avg_pool3d", "adaptive_avg_pool3d"}) t[std::string("aten::") + op] = spatial(3);
    t["aten::_convolution"] = conv(8, 6, false);
    for (const char* op : {"conv1d", "conv2d", "conv3d"}) t[std::string("aten::") + op] = conv(6, std::nullopt, false);
    for (const char* op : {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"})
      t[std::string("aten::") + op] = conv(6, std::nullopt, true);
    t["aten::linear"] = linear;
    t["aten::addmm"] = addmm;
    t["aten::mm"] = addmm;
    t["aten::embedding"] = embedding;
    t["aten::batch_norm"] = batch_norm;
    t["aten::instance_norm"] = batch_norm;
    t["aten::layer_norm"] = layer_norm;
    t["aten::flatten"] = flatten;
    t["aten::view"] = reshape;
    t["aten::reshape"] = reshape;
    t["aten::permute"] = permute;
    t["aten::transpose"] = transpose;
    t["aten::t"] = transpose;
    for (const char* op : {"unsqueeze", "squeeze", "expand", "expand_as", "repeat"}) t[std::string("aten::") + op] = align;
    t["aten::select"] = select;
    t["aten::slice"] = slice;
    for (const char* op : {"mean", "sum", "amax", "amin"}) t[std::string("aten::") + op] = reduce;
    t["aten::softmax"] = softmax;
    t["aten::log_softmax"] = softmax;
    t["prim::ListConstruct"] = list_construct;
    t["prim::TupleConstruct"] = list_construct;
    t["prim::ListUnpack"] = list_unpack;
    t["prim::TupleUnpack"] = list_unpack;
    t["aten::__getitem__"] = list_index;
    t["prim::TupleIndex"] = list_index;
    t["aten::cat"] = cat;
    t["aten::concat"] = cat;
    for (const char* op : {"split", "split_with_sizes", "chunk", "unsafe_chunk", "unbind"})
      t[std::string("aten::") + op] = split;
    t["aten::matmul"] = matmul;
    t["aten::bmm"] = matmul;
    t["aten::scaled_dot_product_attention"] = attention;
    t["aten::size"] = size;
    return t;
  }();
  return table;
}

}  // namespace torchslim::structural
