#!/usr/bin/env bash
# Called by Maven (process-classes): configures and builds libtorchslim and libjnitorchslim with
# CMake. CMake's own dependency tracking keeps an unchanged build from recompiling anything.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${TS_BUILD_DIR:?}" "${TS_HEADERS_FILE:?}" "${TS_TORCH_LIBS:?}" "${TS_JNI_SRC:?}" "${TS_OUTPUT:?}"
include_dir=$(cat "$TS_HEADERS_FILE")
# Plain absolute paths (Maven hands over ../.. forms): CMake's cache and ccache's hashes see one spelling.
mkdir -p "$TS_BUILD_DIR" "$TS_OUTPUT"
TS_BUILD_DIR=$(cd "$TS_BUILD_DIR" && pwd); TS_OUTPUT=$(cd "$TS_OUTPUT" && pwd); TS_JNI_SRC=$(cd "$TS_JNI_SRC" && pwd)
TS_TORCH_LIBS=$(cd "$TS_TORCH_LIBS" && pwd)
[ -z "${TS_EXTRA_LIBS:-}" ] || TS_EXTRA_LIBS=$(cd "$TS_EXTRA_LIBS" && pwd)
# JavaCPP only warns when it cannot generate a class: fail here, naming it.
for f in "$root"/java/torchslim/src/main/java/dev/torchslim/jni/*.java; do
  cls=$(basename "$f" .java)
  [ "$cls" = NativePresets ] && continue
  grep -q "dev_torchslim_jni_${cls}_" "$TS_JNI_SRC/jnitorchslim.cpp" || {
    echo "torchslim: JavaCPP generated no JNI code for dev.torchslim.jni.$cls (see its warning above)" >&2; exit 1; }
done
jobs=$(nproc 2>/dev/null || echo 2)
# JavaCPP writes its JNI unit in a different order on each run; hand CMake a new copy only when
# the binding classes changed, so an unchanged build recompiles nothing.
classes_dir=$(dirname "$TS_OUTPUT")
stamp=$(cat "$classes_dir"/*.class | sha256sum | cut -d' ' -f1)
stable="$TS_BUILD_DIR/jni-stable"
if [ "$(cat "$stable/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$stable" && mkdir -p "$stable" && cp "$TS_JNI_SRC"/*.cpp "$stable"/ && echo "$stamp" > "$stable/.stamp"
fi
mkdir -p "$TS_BUILD_DIR" "$TS_OUTPUT"
args=(-S "$root" -B "$TS_BUILD_DIR"
      -DCMAKE_BUILD_TYPE="${TS_BUILD_TYPE:-Release}"
      -DTORCHSLIM_TORCH_INCLUDE="$include_dir"
      -DTORCHSLIM_TORCH_LIBS="$TS_TORCH_LIBS"
      -DTORCHSLIM_EXTRA_LIBS="${TS_EXTRA_LIBS:-}"
      -DTORCHSLIM_JNI_SOURCES="$stable"
      -DTORCHSLIM_JNI_INCLUDE="${TS_JNI_INCLUDE:-${JAVA_HOME:-}/include}"
      -DTORCHSLIM_OUTPUT="$TS_BUILD_DIR/lib"
      -DTORCHSLIM_CUDA="${TS_CUDA:-OFF}"
      -DTORCHSLIM_BUILD_TESTS="$([ "${TS_SKIP_TESTS:-false}" = true ] && echo OFF || echo ON)")
if [ "${TS_CUDA:-OFF}" = "ON" ] && [ -z "${CUDACXX:-}" ] && ! command -v nvcc >/dev/null; then
  for c in /usr/local/cuda/bin/nvcc /usr/local/bin/nvcc; do [ -x "$c" ] && export CUDACXX="$c" && break; done
fi
cmake "${args[@]}" > "$TS_BUILD_DIR/configure.log" 2>&1 || { cat "$TS_BUILD_DIR/configure.log"; exit 1; }
cmake --build "$TS_BUILD_DIR" -j "$jobs"
# The CPU and GPU builds keep separate build trees; the jar gets the one just built.
# A running JVM (tests, an IDE, a benchmark) may have the installed copy mapped: writing over it
# in place crashes that JVM (SIGBUS), so a changed library is written under a new name and renamed
# over the old one (the old inode lives on for whoever maps it), and an unchanged one is left alone.
install_lib() {  # $1: built library, $2: destination directory
  local dest="$2/$(basename "$1")"
  if cmp -s "$1" "$dest"; then
    return 0
  fi
  local tmp="$2/.$(basename "$1").$$.tmp"
  cp -p "$1" "$tmp" && mv -f "$tmp" "$dest" || { rm -f "$tmp"; return 1; }
}
rm -f "$TS_OUTPUT"/.libtorchslim.so.*.tmp "$TS_OUTPUT"/.libjnitorchslim.so.*.tmp  # left by a killed build
for lib in libtorchslim.so libjnitorchslim.so; do
  install_lib "$TS_BUILD_DIR/lib/$lib" "$TS_OUTPUT"
done
# One platform's natives in the classes directory: the Loader prefers linux-x86_64-gpu/ to
# linux-x86_64/, so a CPU build after a -Pgpu one (or back) must not leave the other's copy.
for dir in "$classes_dir"/*/; do
  dir=${dir%/}
  if [ "$dir" != "$TS_OUTPUT" ] && [ -f "$dir/libjnitorchslim.so" ]; then rm -rf "$dir"; fi
done
