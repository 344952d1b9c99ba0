// The graph description an exporter reads (format: java/dev/torchslim/export/GraphDescription.java).
// The model is frozen and run node by node: a value whose inputs do not carry the examples' data
// is folded to a constant (weights, size() arithmetic of traced graphs, masks built from shapes),
// an if on such a value keeps only its taken branch, and the rest is written as nodes.
#include "torchslim/export.h"

#include <cstring>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/class_type.h>
#include <ATen/core/function.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/remove_mutation.h>

#include "core/error.h"
#include "core/files.h"

namespace torchslim {
namespace {

using torch::jit::Block;
using torch::jit::Node;
using torch::jit::Value;
using c10::IValue;

// Value tags of the format (GraphDescription.java mirrors them).
enum Tag : uint8_t {
  kNone = 0, kBool = 1, kInt = 2, kDouble = 3, kString = 4, kTensor = 5, kQTensor = 6, kList = 7,
  kConvPacked = 8, kLinearPacked = 9, kOther = 10, kDevice = 11, kCellParams = 12
};

class Out {
 public:
  std::vector<char> bytes;
  void u8(uint8_t v) { bytes.push_back(static_cast<char>(v)); }
  void i64(int64_t v) { raw(&v, 8); }
  void f64(double v) { raw(&v, 8); }
  void str(const std::string& s) {
    i64(static_cast<int64_t>(s.size()));
    raw(s.data(), s.size());
  }
  void raw(const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    bytes.insert(bytes.end(), c, c + n);
  }
};

c10::IValue call_op(const char* name, std::vector<IValue> args) {
  auto op = c10::Dispatcher::singleton().findSchemaOrThrow(name, "");
  torch::jit::Stack stack(std::move(args));
  op.callBoxed(&stack);
  return stack.size() == 1 ? stack.at(0) : IValue(c10::ivalue::Tuple::create(std::move(stack)));
}

void write_plain_tensor(Out& out, const at::Tensor& t0) {
  at::Tensor t = t0.detach().to(at::kCPU).contiguous();
  out.i64(static_cast<int64_t>(t.scalar_type()));
  out.i64(t.dim());
  for (int64_t d : t.sizes()) out.i64(d);
  out.raw(t.data_ptr(), t.numel() * t.element_size());
}

void write_tensor(Out& out, const at::Tensor& t) {
  if (!t.is_quantized()) {
    out.u8(kTensor);
    write_plain_tensor(out, t);
    return;
  }
  out.u8(kQTensor);
  out.i64(static_cast<int64_t>(t.scalar_type()));  // QInt8 / QUInt8 / QInt32
  if (t.qscheme() == at::kPerTensorAffine || t.qscheme() == at::kPerTensorSymmetric) {
    out.i64(-1);
    write_plain_tensor(out, at::full({}, t.q_scale(), at::kFloat));
    write_plain_tensor(out, at::full({}, t.q_zero_point(), at::kLong));
  } else {
    out.i64(t.q_per_channel_axis());
    write_plain_tensor(out, t.q_per_channel_scales().to(at::kFloat));
    write_plain_tensor(out, t.q_per_channel_zero_points().to(at::kLong));
  }
  write_plain_tensor(out, t.int_repr());
}

void write_value(Out& out, const IValue& v);

// The elements of a list or a tuple.
std::vector<IValue> list_items(const IValue& v) {
  if (v.isTuple()) return v.toTupleRef().elements().vec();
  std::vector<IValue> items;
  for (const IValue& x : v.toListRef()) items.push_back(x);
  return items;
}

void write_ints(Out& out, const IValue& v) {
  out.u8(kList);
  const auto list = v.toIntVector();
  out.i64(static_cast<int64_t>(list.size()));
  for (int64_t x : list) {
    out.u8(kInt);
    out.i64(x);
  }
}

void write_value(Out& out, const IValue& v) {
  if (v.isNone()) {
    out.u8(kNone);
  } else if (v.isBool()) {
    out.u8(kBool);
    out.u8(v.toBool() ? 1 : 0);
  } else if (v.isInt()) {
    out.u8(kInt);
    out.i64(v.toInt());
  } else if (v.isDouble()) {
    out.u8(kDouble);
    out.f64(v.toDouble());
  } else if (v.isString()) {
    out.u8(kString);
    out.str(v.toStringRef());
  } else if (v.isDevice()) {
    out.u8(kDevice);
    out.str(v.toDevice().str());
  } else if (v.isTensor()) {
    write_tensor(out, v.toTensor());
  } else if (v.isList() || v.isTuple()) {
    const std::vector<IValue> items = list_items(v);
    out.u8(kList);
    out.i64(static_cast<int64_t>(items.size()));
    for (const IValue& x : items) write_value(out, x);
  } else if (v.isCustomClass() || v.isObject()) {
    const std::string type = v.type()->str();
    if (type.find("Conv2dPackedParamsBase") != std::string::npos) {
      out.u8(kConvPacked);
      auto wb = call_op("quantized::conv2d_unpack", {v}).toTupleRef().elements();
      write_value(out, wb[0]);
      write_value(out, wb[1]);
      write_ints(out, call_op("quantized::conv2d_stride", {v}));
      write_ints(out, call_op("quantized::conv2d_padding", {v}));
      write_ints(out, call_op("quantized::conv2d_dilation", {v}));
      out.i64(call_op("quantized::conv2d_groups", {v}).toInt());
      out.u8(call_op("quantized::conv2d_transpose", {v}).toInt() != 0 ? 1 : 0);
    } else if (type.find("LinearPackedParamsBase") != std::string::npos) {
      out.u8(kLinearPacked);
      auto wb = call_op("quantized::linear_unpack", {v}).toTupleRef().elements();
      write_value(out, wb[0]);
      write_value(out, wb[1]);
    } else if (type.find("CellParamsBase") != std::string::npos) {
      // quantized RNN cells: ("quantized_dynamic", [b_ih, b_hh], [], [reduce_range], [packed w_ih, packed w_hh])
      out.u8(kCellParams);
      const auto& cls = v.type()->expectRef<c10::ClassType>();
      write_value(out, cls.getMethod("__getstate__")({v}));
    } else {
      out.u8(kOther);
      out.str(type);
    }
  } else {
    out.u8(kOther);
    out.str(v.type()->str());
  }
}

// dtype and shape of what a node produced (tensors, and lists/tuples of them).
void write_meta(Out& out, const IValue& v) {
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    out.u8(kTensor);
    out.i64(static_cast<int64_t>(t.scalar_type()));
    out.i64(t.dim());
    for (int64_t d : t.sizes()) out.i64(d);
  } else if (v.isList() || v.isTuple()) {
    const std::vector<IValue> items = list_items(v);
    out.u8(kList);
    out.i64(static_cast<int64_t>(items.size()));
    for (const IValue& x : items) write_meta(out, x);
  } else {
    out.u8(kOther);
  }
}

bool same(const IValue& a, const IValue& b) {
  if (a.isTensor() && b.isTensor()) {
    const at::Tensor& x = a.toTensor();
    const at::Tensor& y = b.toTensor();
    if (x.sizes() != y.sizes() || x.scalar_type() != y.scalar_type()) return false;
    if (x.is_quantized()) return true;
    return at::equal(x, y);
  }
  if ((a.isList() || a.isTuple()) && (b.isList() || b.isTuple())) {
    std::vector<IValue> xs, ys;
    if (a.isList()) for (const IValue& x : a.toListRef()) xs.push_back(x); else xs = a.toTupleRef().elements().vec();
    if (b.isList()) for (const IValue& y : b.toListRef()) ys.push_back(y); else ys = b.toTupleRef().elements().vec();
    if (xs.size() != ys.size()) return false;
    for (size_t i = 0; i < xs.size(); ++i) if (!same(xs[i], ys[i])) return false;
    return true;
  }
  if (a.isInt() && b.isInt()) return a.toInt() == b.toInt();
  if (a.isDouble() && b.isDouble()) return a.toDouble() == b.toDouble();
  if (a.isBool() && b.isBool()) return a.toBool() == b.toBool();
  return true;
}

// Ops whose result depends on a tensor's shape, dtype or device only, never on its data.
bool reads_shape_only(const Node* n) {
  static const std::unordered_set<std::string> kinds = {
      "aten::size", "aten::dim", "aten::len", "aten::numel", "prim::device", "prim::dtype", "prim::is_cuda",
      "aten::is_floating_point", "aten::__is__", "aten::__isnot__", "prim::layout", "prim::shape"};
  return kinds.count(n->kind().toQualString()) > 0;
}

std::string where(const Node* cn) {
  Node* n = const_cast<Node*>(cn);  // scope() and callstack() are not const
  std::ostringstream s;
  if (n->scope() && !n->scope()->isBlank()) s << n->scope()->namesFromRoot();
  if (auto stack = n->callstack()) {
    for (const auto& entry : (*stack)->vec()) {
      if (std::get<2>(entry).has_value()) s << (s.tellp() > 0 ? "." : "") << std::get<2>(entry)->instance_name();
    }
  }
  s << '\t';
  const auto range = n->sourceRange();
  if (auto fl = range.file_line_col()) {
    s << std::get<0>(*fl) << ':' << std::get<1>(*fl) << ' ';
  }
  std::ostringstream node_text;
  node_text << *n;
  std::string text = node_text.str();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  s << text;
  return s.str();
}

// Runs a graph node by node; with a writer it records what an exporter needs.
class Evaluator {
 public:
  explicit Evaluator(Out* out, const std::unordered_map<const Value*, IValue>* other)
      : out_(out), other_(other) {}

  std::unordered_map<const Value*, IValue> values;

  void inputs(const torch::jit::Graph& g, const torch::jit::Module& self, const std::vector<at::Tensor>& examples) {
    values[g.inputs()[0]] = self._ivalue();
    TORCH_CHECK(g.inputs().size() == examples.size() + 1, "forward takes ", g.inputs().size() - 1,
                " inputs; ", examples.size(), " example shapes were given");
    for (size_t i = 0; i < examples.size(); ++i) {
      const Value* v = g.inputs()[i + 1];
      TORCH_CHECK(v->type()->kind() == c10::TypeKind::TensorType, "forward's input ", v->debugName(),
                  " is a ", v->type()->str(), "; only tensor inputs can be exported");
      values[v] = examples[i];
      dynamic_.insert(v);
      if (out_) {
        out_->u8('I');
        out_->i64(v->unique());
        out_->str(v->debugName());
        write_meta(*out_, examples[i]);
      }
    }
  }

  void block(Block* b) {
    for (Node* n : b->nodes()) node(n);
  }

  void outputs(const torch::jit::Graph& g) {
    for (const Value* v : g.outputs()) {
      use(v);
      if (out_) {
        out_->u8('O');
        out_->i64(v->unique());
      }
    }
  }

 private:
  Out* out_;
  const std::unordered_map<const Value*, IValue>* other_;
  std::unordered_set<const Value*> dynamic_;
  std::unordered_set<const Value*> written_;

  // A constant read by something the description keeps: written once, before its first reader.
  void use(const Value* v) {
    if (!out_ || dynamic_.count(v) || written_.count(v)) return;
    written_.insert(v);
    out_->u8('C');
    out_->i64(v->unique());
    out_->str(v->debugName());
    bool changes = false;
    if (other_) {
      auto it = other_->find(v);
      changes = it != other_->end() && !same(values.at(v), it->second);
    }
    out_->u8(changes ? 1 : 0);
    write_value(*out_, values.at(v));
  }

  void alias(const Value* to, const Value* from) {
    values[to] = values.at(from);
    if (dynamic_.count(from)) {
      dynamic_.insert(to);
      if (out_) {
        out_->u8('A');
        out_->i64(to->unique());
        out_->i64(from->unique());
      }
    }
  }

  void node(Node* n) {
    const auto kind = n->kind();
    if (kind == c10::prim::Constant) {
      auto v = torch::jit::toIValue(n->output());
      TORCH_CHECK(v.has_value(), "unreadable constant: ", where(n));
      values[n->output()] = *v;
      return;
    }
    bool dyn = false;
    if (!reads_shape_only(n)) {
      for (const Value* in : n->inputs()) dyn = dyn || dynamic_.count(in) > 0;
    }
    if (kind == c10::prim::If) {
      TORCH_CHECK(!dynamic_.count(n->input(0)), "an if whose condition depends on the input's data cannot be "
                  "exported (", where(n), ")");
      Block* taken = values.at(n->input(0)).toBool() ? n->blocks()[0] : n->blocks()[1];
      block(taken);
      for (size_t i = 0; i < n->outputs().size(); ++i) alias(n->output(i), taken->outputs()[i]);
      return;
    }
    if (kind == c10::prim::GetAttr) {  // attributes freezing kept (packed int8 weights)
      values[n->output()] = values.at(n->input(0)).toObjectRef().getAttr(n->s(c10::attr::name));
      return;
    }
    if (kind == c10::prim::Loop) {
      loop(n);
      return;
    }
    torch::jit::Stack stack;
    for (const Value* in : n->inputs()) stack.push_back(values.at(in));
    // the interpreter's own instructions (not operators LibTorch exports)
    if (kind == c10::prim::ListConstruct) {
      c10::impl::GenericList list(n->output()->type()->expectRef<c10::ListType>().getElementType());
      for (IValue& v : stack) list.push_back(std::move(v));
      stack = {IValue(std::move(list))};
    } else if (kind == c10::prim::TupleConstruct) {
      stack = {IValue(c10::ivalue::Tuple::create(std::move(stack)))};
    } else if (kind == c10::prim::ListUnpack) {
      std::vector<IValue> items;
      for (const IValue& v : stack.at(0).toListRef()) items.push_back(v);
      stack = std::move(items);
    } else if (kind == c10::prim::TupleUnpack) {
      stack = stack.at(0).toTupleRef().elements().vec();
    } else {
      std::optional<torch::jit::Operation> op;
      try {
        op = n->getOperation();
      } catch (const c10::Error& e) {
        TORCH_CHECK(false, "no LibTorch operator runs ", kind.toQualString(), " (", where(n), ")");
      }
      (*op)(stack);
    }
    TORCH_CHECK(stack.size() == n->outputs().size(), kind.toQualString(), " gave ", stack.size(),
                " values for ", n->outputs().size(), " outputs (", where(n), ")");
    for (size_t i = 0; i < stack.size(); ++i) values[n->output(i)] = stack[i];
    if (!dyn) return;
    for (const Value* in : n->inputs()) use(in);
    for (const Value* o : n->outputs()) dynamic_.insert(o);
    if (!out_) return;
    out_->u8('N');
    out_->str(kind.toQualString());
    out_->str(where(n));
    out_->i64(static_cast<int64_t>(n->inputs().size()));
    for (const Value* in : n->inputs()) out_->i64(in->unique());
    out_->i64(static_cast<int64_t>(n->outputs().size()));
    for (const Value* o : n->outputs()) {
      out_->i64(o->unique());
      out_->str(o->debugName());
      write_meta(*out_, values.at(o));
      // the same value with one more row in the batch (dims that differ follow the batch)
      const IValue* next = &values.at(o);
      if (other_) {
        auto it = other_->find(o);
        if (it != other_->end()) next = &it->second;
      }
      write_meta(*out_, *next);
    }
  }

  // Loops whose trip count and carried values do not depend on the data are run here; the
  // exporter sees only their results.
  void loop(Node* n) {
    for (const Value* in : n->inputs()) {
      TORCH_CHECK(!dynamic_.count(in), "a loop over values that depend on the input's data cannot be exported (",
                  where(n), ")");
    }
    Block* body = n->blocks()[0];
    int64_t trips = values.at(n->input(0)).toInt();
    bool cond = values.at(n->input(1)).toBool();
    std::vector<IValue> carried;
    for (size_t i = 2; i < n->inputs().size(); ++i) carried.push_back(values.at(n->input(i)));
    for (int64_t it = 0; cond && it < trips; ++it) {
      values[body->inputs()[0]] = it;
      for (size_t i = 0; i < carried.size(); ++i) values[body->inputs()[i + 1]] = carried[i];
      for (Node* inner : body->nodes()) {
        node(inner);
        for (const Value* o : inner->outputs()) {
          TORCH_CHECK(!dynamic_.count(o), "a loop whose body depends on the input's data cannot be exported (",
                      where(n), ")");
        }
      }
      cond = values.at(body->outputs()[0]).toBool();
      for (size_t i = 0; i < carried.size(); ++i) carried[i] = values.at(body->outputs()[i + 1]);
    }
    for (size_t i = 0; i < carried.size(); ++i) values[n->output(i)] = carried[i];
  }
};

torch::jit::Module frozen_copy(const ScriptModel& model) {
  torch::jit::Module m = model.module().clone();
  m.eval();
  try {
    return torch::jit::freeze(m);
  } catch (const c10::Error&) {
    return m;  // already frozen (int8 results are): inlining below is all it needs
  }
}

}  // namespace

void describe_for_export(const ScriptModel& model, const std::vector<at::Tensor>& examples,
                         const std::vector<at::Tensor>& next_batch, const std::string& path) {
  TS_API_BEGIN
  TORCH_CHECK(!model.empty(), "the model is empty");
  at::NoGradGuard no_grad;
  torch::jit::Module m = frozen_copy(model);
  {
    // Run the model as LibTorch would first: a wrong input shape then fails with the model's own
    // message (the node-by-node evaluation below would stop at whatever op meets it first).
    std::vector<c10::IValue> inputs(examples.begin(), examples.end());
    std::string shapes;
    for (const at::Tensor& t : examples) shapes += (shapes.empty() ? "" : ", ") + c10::str(t.sizes());
    try {
      m.forward(inputs);
    } catch (const c10::Error& e) {
      TORCH_CHECK(false, "the model does not run on an input of shape ", shapes, ": ", e.what_without_backtrace());
    } catch (const std::exception& e) {  // the model's own `raise` (torch::jit::JITException)
      TORCH_CHECK(false, "the model does not run on an input of shape ", shapes, ": ", e.what());
    }
  }
  auto graph = m.get_method("forward").graph()->copy();
  torch::jit::Inline(*graph);
  torch::jit::RemoveTensorMutation(graph);  // relu_/add_ become relu/add where nothing else sees the change
  std::unique_ptr<Evaluator> other;
  if (!next_batch.empty()) {
    other = std::make_unique<Evaluator>(nullptr, nullptr);
    other->inputs(*graph, m, next_batch);
    other->block(graph->block());
  }
  Out out;
  out.raw("TSGRAPH1", 8);
  Evaluator eval(&out, other ? &other->values : nullptr);
  eval.inputs(*graph, m, examples);
  eval.block(graph->block());
  eval.outputs(*graph);
  out.u8('E');
  write_atomically(path, out.bytes);
  TS_API_END
}

}  // namespace torchslim
