#include <string>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "check.h"
#include "core/error.h"
#include "core/files.h"

#include <torch/csrc/jit/api/module.h>
#include "torchslim/core.h"
#include "torchslim/cuda.h"

using torchslim::testing::Failure;

TS_TEST(counts_parameters_and_nonzeros) {
  torch::nn::Sequential model(torch::nn::Linear(4, 3), torch::nn::Linear(3, 2));
  TS_CHECK(torchslim::count_parameters(*model) == 4 * 3 + 3 + 3 * 2 + 2);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.zero_();
  }
  TS_CHECK(torchslim::count_nonzero_parameters(*model) == 0);
  TS_CHECK(torchslim::state_bytes(*model) == (12 + 3 + 6 + 2) * 4);
}

TS_TEST(copy_state_rejects_mismatch_without_backtrace_and_leaves_destination) {
  torch::nn::Sequential a(torch::nn::Linear(4, 3));
  torch::nn::Sequential b(torch::nn::Linear(5, 3));
  at::Tensor before = a->parameters()[0].clone();
  try {
    torchslim::copy_state(*a, *b);
    throw Failure("copy_state accepted a shape mismatch");
  } catch (const torchslim::Error& e) {
    std::string msg = e.what();
    TS_CHECK(msg.find("0.weight") != std::string::npos);
    TS_CHECK(msg.find("Exception raised from") == std::string::npos);
  }
  TS_CHECK(at::equal(before, a->parameters()[0]));
}

TS_TEST(copy_state_copies_values) {
  torch::nn::Sequential a(torch::nn::Linear(4, 3));
  torch::nn::Sequential b(torch::nn::Linear(4, 3));
  torchslim::copy_state(*a, *b);
  TS_CHECK(at::equal(a->parameters()[0], b->parameters()[0]));
  TS_CHECK(at::equal(a->parameters()[1], b->parameters()[1]));
}

TS_TEST(versions_are_consistent) {
  TS_CHECK(torchslim::torch_version().rfind("2.", 0) == 0);
  TS_CHECK(!torchslim::version().empty());
}

TS_TEST(cuda_entry_points_throw_clearly_without_a_device) {
  if (torchslim::cuda_available()) return;  // covered by cuda_test on a GPU
  TS_CHECK(torchslim::cuda_device_count() == 0);
  try {
    torchslim::CudaStream stream(0);
    throw Failure("CudaStream constructed without CUDA");
  } catch (const torchslim::Error& e) {
    std::string msg = e.what();
    TS_CHECK(msg.find("CUDA") != std::string::npos);
  }
}

namespace {
std::string fresh_dir() {
  char tmpl[] = "/tmp/ts_files_XXXXXX";
  TS_CHECK(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

int entries(const std::string& dir) {
  int n = 0;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = ::readdir(d)) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++n;
  }
  ::closedir(d);
  return n;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

TS_TEST(write_atomically_keeps_mode_and_leaves_no_temp_file) {
  const std::string dir = fresh_dir();
  const std::string out = dir + "/" + std::string(240, 'x') + ".pt";  // temp name must stay short
  torchslim::write_atomically(out, {'a', 'b'});
  TS_CHECK(read_all(out) == "ab");
  TS_CHECK(::chmod(out.c_str(), 0600) == 0);
  torchslim::write_atomically(out, {'c'});
  struct stat st {};
  TS_CHECK(::stat(out.c_str(), &st) == 0);
  TS_CHECK((st.st_mode & 0777) == 0600);
  TS_CHECK(read_all(out) == "c");
  TS_CHECK(entries(dir) == 1);
  ::unlink(out.c_str());
  ::rmdir(dir.c_str());
}

TS_TEST(write_atomically_refuses_directories_and_links_naming_the_output) {
  const std::string dir = fresh_dir();
  const std::string sub = dir + "/sub";
  TS_CHECK(::mkdir(sub.c_str(), 0700) == 0);
  try {
    torchslim::write_atomically(sub, {'a'});
    throw Failure("a directory was accepted as output");
  } catch (const c10::Error& e) {
    const std::string msg = e.what_without_backtrace();
    TS_CHECK(msg.find(sub) != std::string::npos && msg.find("directory") != std::string::npos);
    TS_CHECK(msg.find(".tmp") == std::string::npos);
  }
  const std::string link = dir + "/link";
  TS_CHECK(::symlink("/dev/null", link.c_str()) == 0);
  TS_CHECK_THROWS(torchslim::write_atomically(link, {'a'}));
  struct stat st {};
  TS_CHECK(::lstat(link.c_str(), &st) == 0 && S_ISLNK(st.st_mode));
  TS_CHECK(entries(dir) == 2);
  ::unlink(link.c_str());
  ::rmdir(sub.c_str());
  ::rmdir(dir.c_str());
}

TS_TEST(save_module_atomically_names_the_archive_independently_of_the_temp_file) {
  const std::string dir = fresh_dir();
  const std::string out = dir + "/model.pt";
  torch::jit::Module m("m");
  m.register_parameter("w", torch::ones({2}), false);
  torchslim::save_module_atomically(m, out);
  const std::string bytes = read_all(out);
  TS_CHECK(bytes.find("archive/data.pkl") != std::string::npos);
  TS_CHECK(bytes.find(".ts") == std::string::npos);  // no temp name inside the archive
  TS_CHECK(entries(dir) == 1);
  ::unlink(out.c_str());
  ::rmdir(dir.c_str());
}
