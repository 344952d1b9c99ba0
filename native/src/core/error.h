// Error translation for every entry point (the DJL API_BEGIN/API_END habit): JavaCPP turns the
// std::exception that leaves an entry point into TorchSlimException; c10::Error's what() carries
// a C++ backtrace, so it is rethrown with the message alone.
#pragma once

#include <stdexcept>
#include <string>

#include <c10/util/Exception.h>

namespace torchslim {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace torchslim

#define TS_API_BEGIN try {
#define TS_API_END                                                  \
  }                                                                 \
  catch (const ::torchslim::Error&) {                               \
    throw;                                                          \
  }                                                                 \
  catch (const ::c10::Error& e) {                                   \
    throw ::torchslim::Error(e.what_without_backtrace());           \
  }                                                                 \
  catch (const std::exception& e) {                                 \
    throw ::torchslim::Error(e.what());                             \
  }                                                                 \
  catch (...) {                                                     \
    throw ::torchslim::Error("unknown native error in TorchSlim");  \
  }
