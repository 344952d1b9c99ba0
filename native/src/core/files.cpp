#include "core/files.h"

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include <c10/util/Exception.h>
#include <torch/csrc/jit/api/module.h>

namespace torchslim {

void write_atomically(const std::string& path, const std::vector<char>& bytes) {
  std::random_device rd;
  std::string tmp = path + ".tmp" + std::to_string(rd());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    TORCH_CHECK(out.good(), "cannot write ", tmp);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out.good()) {
      out.close();
      std::remove(tmp.c_str());
      TORCH_CHECK(false, "writing ", tmp, " failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    TORCH_CHECK(false, "cannot move ", tmp, " to ", path);
  }
}

void save_module_atomically(torch::jit::Module& module, const std::string& path) {
  std::ostringstream out;
  module.save(out);
  const std::string s = out.str();
  write_atomically(path, std::vector<char>(s.begin(), s.end()));
}

}  // namespace torchslim
