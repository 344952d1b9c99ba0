// Tensors from files Python users already have: torch.save({"x": X, "y": Y}, "data.pt").
#include <fstream>
#include <iterator>
#include <map>

#include <c10/util/Exception.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "core/error.h"
#include "torchslim/core.h"

namespace torchslim {

std::vector<at::Tensor> load_tensors(const std::string& path, std::vector<std::string>& names_out) {
  TS_API_BEGIN
  std::ifstream in(path, std::ios::binary);
  TORCH_CHECK(in, "cannot open ", path);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  TORCH_CHECK(bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K', path,
              " is not a torch.save file (zip format); save tensors with torch.save({'x': X, 'y': Y}, path)");
  c10::IValue v;
  try {
    v = torch::jit::pickle_load(bytes);
  } catch (const c10::Error& e) {
    std::string why = e.what_without_backtrace();
    TORCH_CHECK(false, path, " is not a readable torch.save file of tensors: ", why.substr(0, why.find('\n')));
  }
  std::vector<at::Tensor> out;
  names_out.clear();
  auto add = [&](const std::string& name, const c10::IValue& t) {
    TORCH_CHECK(t.isTensor(), path, ": entry '", name, "' is a ", t.tagKind(), ", not a tensor");
    out.push_back(t.toTensor());
    names_out.push_back(name);
  };
  if (v.isTensor()) {
    add("", v);
  } else if (v.isGenericDict()) {
    std::map<std::string, c10::IValue> sorted;
    for (const auto& e : v.toGenericDict()) {
      TORCH_CHECK(e.key().isString(), path, ": dictionary keys must be strings");
      sorted[e.key().toStringRef()] = e.value();
    }
    for (const auto& e : sorted) add(e.first, e.second);
  } else if (v.isTuple() || v.isList()) {
    std::vector<c10::IValue> items = v.isTuple() ? v.toTupleRef().elements().vec() : v.toListRef().vec();
    for (size_t i = 0; i < items.size(); ++i) add(std::to_string(i), items[i]);
  } else {
    TORCH_CHECK(false, path, " holds a ", v.tagKind(), "; expected a tensor, or a dict/tuple/list of tensors");
  }
  return out;
  TS_API_END
}

}  // namespace torchslim
