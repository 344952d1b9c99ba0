// File output shared by every technique: never half a file.
#pragma once

#include <string>
#include <vector>

namespace torch::jit {
struct Module;
}  // namespace torch::jit

namespace torchslim {

/// Writes bytes to path through a temporary file in the same directory (.ts<pid>-n<k>.tmp) and a
/// rename (atomic on one file system); on failure the temporary file is removed and path is left
/// as it was. An existing path keeps its mode; one that is not a regular file (a directory, a
/// device, a symbolic link) is refused. Errors name path, never the temporary file.
void write_atomically(const std::string& path, const std::vector<char>& bytes);

/// Saves a TorchScript module the same way, streamed to the temporary file.
void save_module_atomically(torch::jit::Module& module, const std::string& path);

}  // namespace torchslim
