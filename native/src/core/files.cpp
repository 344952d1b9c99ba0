#include "core/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>

#include <c10/util/Exception.h>
#include <torch/csrc/jit/api/module.h>

namespace torchslim {
namespace {

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string error_text() { return std::strerror(errno); }

/// Refuses an existing output that is not a regular file: renaming over a device, a directory or
/// a symbolic link would replace it with a regular file. Returns the mode to keep, or -1 if absent.
int existing_mode(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    TORCH_CHECK(errno == ENOENT, "cannot write ", path, ": ", error_text());
    return -1;
  }
  TORCH_CHECK(!S_ISLNK(st.st_mode), "cannot write ", path,
              ": it is a symbolic link; name the file it points to, or remove the link");
  TORCH_CHECK(!S_ISDIR(st.st_mode), "cannot write ", path, ": it is a directory");
  TORCH_CHECK(S_ISREG(st.st_mode), "cannot write ", path,
              ": it exists and is not a regular file (a device, a pipe or a socket)");
  return static_cast<int>(st.st_mode & 07777);
}

/// A new, empty file in path's directory with a short name (.ts<pid>-<n>.tmp: a long output name
/// still fits the 255-byte limit), created exclusively; TorchSlim removes stale ones of dead pids.
std::string create_temp_beside(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  const std::string dir = directory_of(path);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::string tmp = dir + "/.ts" + std::to_string(::getpid()) + "-n" +
                            std::to_string(counter.fetch_add(1)) + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      return tmp;
    }
    TORCH_CHECK(errno == EEXIST, "cannot write ", path, ": cannot create a file in ", dir, ": ", error_text());
  }
  TORCH_CHECK(false, "cannot write ", path, ": no free temporary name in ", dir);
}

void sync_file(const std::string& tmp, const std::string& path) {
  const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  TORCH_CHECK(fd >= 0, "cannot write ", path, ": ", error_text());
  const int rc = ::fsync(fd);
  ::close(fd);
  TORCH_CHECK(rc == 0, "cannot write ", path, ": ", error_text());
}

/// Lets fill write the temporary file, then gives it the old file's mode and renames it over
/// path. Any failure removes the temporary file and leaves path as it was.
void replace_atomically(const std::string& path, const std::function<void(const std::string&)>& fill) {
  const int mode = existing_mode(path);
  const std::string tmp = create_temp_beside(path);
  try {
    fill(tmp);
    sync_file(tmp, path);
    if (mode >= 0) {
      TORCH_CHECK(::chmod(tmp.c_str(), static_cast<mode_t>(mode)) == 0, "cannot write ", path, ": ", error_text());
    }
    TORCH_CHECK(::rename(tmp.c_str(), path.c_str()) == 0, "cannot write ", path, ": ", error_text());
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace

void write_atomically(const std::string& path, const std::vector<char>& bytes) {
  replace_atomically(path, [&](const std::string& tmp) {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    TORCH_CHECK(fd >= 0, "cannot write ", path, ": ", error_text());
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string why = n < 0 ? error_text() : "no progress";
        ::close(fd);
        TORCH_CHECK(false, "cannot write ", path, ": ", why);
      }
      done += static_cast<size_t>(n);
    }
    TORCH_CHECK(::close(fd) == 0, "cannot write ", path, ": ", error_text());
  });
}

void save_module_atomically(torch::jit::Module& module, const std::string& path) {
  // Streamed into the file (no serialized copy of the whole model in memory), through a stream
  // rather than a file name: save(filename) would name the archive's folder after the temp file.
  replace_atomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    TORCH_CHECK(out.good(), "cannot write ", path, ": ", error_text());
    try {
      module.save(out);
    } catch (const c10::Error& e) {
      TORCH_CHECK(false, "cannot write ", path, ": ", e.what_without_backtrace());
    }
    out.flush();
    TORCH_CHECK(out.good(), "cannot write ", path, ": ", error_text());
    out.close();
  });
}

}  // namespace torchslim
