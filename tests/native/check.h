// A very small test registry for the native tests (one executable, run by CTest).
// TS_TEST(name) { ... } defines a test; TS_CHECK(cond) and TS_CHECK_THROWS(expr) fail it.
#pragma once

#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace torchslim::testing {

struct TestCase {
  const char* name;
  std::function<void()> body;
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

struct Register {
  Register(const char* name, std::function<void()> body) { registry().push_back({name, std::move(body)}); }
};

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string where(const char* file, int line, const std::string& what) {
  std::ostringstream s;
  s << file << ":" << line << ": " << what;
  return s.str();
}

}  // namespace torchslim::testing

#define TS_TEST(name)                                                              \
  static void name();                                                              \
  static ::torchslim::testing::Register name##_registered(#name, name);           \
  static void name()

#define TS_CHECK(cond)                                                                      \
  do {                                                                                      \
    if (!(cond))                                                                            \
      throw ::torchslim::testing::Failure(::torchslim::testing::where(__FILE__, __LINE__, \
                                                                      "check failed: " #cond)); \
  } while (0)

#define TS_CHECK_THROWS(expr)                                                                   \
  do {                                                                                          \
    bool thrown = false;                                                                        \
    try {                                                                                       \
      (void)(expr);                                                                             \
    } catch (const ::torchslim::testing::Failure&) {                                            \
      throw;                                                                                    \
    } catch (const std::exception&) {                                                           \
      thrown = true;                                                                            \
    }                                                                                           \
    if (!thrown)                                                                                \
      throw ::torchslim::testing::Failure(::torchslim::testing::where(__FILE__, __LINE__,     \
                                                                      "no exception from " #expr)); \
  } while (0)
