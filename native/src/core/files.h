// File output shared by every technique: never half a file.
#pragma once

#include <string>
#include <vector>

namespace torch::jit {
struct Module;
}  // namespace torch::jit

namespace torchslim {

/// Writes bytes to path through a temporary file in the same directory and a rename (atomic on
/// one file system); on failure the temporary file is removed and path is left as it was.
void write_atomically(const std::string& path, const std::vector<char>& bytes);

/// Saves a TorchScript module the same way: serialized in memory, then write_atomically.
void save_module_atomically(torch::jit::Module& module, const std::string& path);

}  // namespace torchslim
