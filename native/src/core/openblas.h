// OpenBLAS symbols found by soname among the libraries already loaded (bytedeco's libtorch_cpu needs
// libopenblas.so.0). Nothing links against OpenBLAS, so builds on an MKL LibTorch (the Python wheel's)
// work too: there every lookup gives nullptr and callers keep LibTorch's path.
#pragma once

#include <dlfcn.h>

namespace torchslim::detail {

template <typename F>
F openblas_symbol(const char* name) {
  void* lib = dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD);
  if (lib == nullptr) return nullptr;
  auto f = reinterpret_cast<F>(dlsym(lib, name));
  dlclose(lib);  // only drops the reference RTLD_NOLOAD took
  return f;
}

}  // namespace torchslim::detail
