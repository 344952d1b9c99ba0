// Runs every TS_TEST; prints one line per test and the plain closing line CTest logs show.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "check.h"
#include "torchslim/core.h"

int main(int argc, char** argv) {
  // One OpenBLAS thread unless OPENBLAS_NUM_THREADS says otherwise, as TorchSlim's Java runtime sets it
  // (NativeLibrary): OpenBLAS's own threads called from LibTorch's OpenMP threads warn and may hang.
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) torchslim::set_blas_threads(1);
  int passed = 0, failed = 0;
  for (const auto& test : torchslim::testing::registry()) {
    if (argc > 1 && std::strstr(test.name, argv[1]) == nullptr) continue;
    try {
      test.body();
      ++passed;
      std::printf("PASS %s\n", test.name);
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s: %s\n", test.name, e.what());
    }
  }
  std::printf("native: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
