#!/usr/bin/env bash
# Builds native/ (C++ and CUDA kernels) with CMake against the LibTorch of the Python torch on
# this machine and runs the native tests: the GPU machine's check (no JDK needed there).
# usage: tests/gpu/native-cuda.sh [build-dir]   env: TORCHSLIM_CUDA=ON|OFF (default ON), PYTHON
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-/tmp/torchslim-native}
py=${PYTHON:-python3}
torch_dir=$("$py" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
echo "torch $("$py" -c 'import torch; print(torch.__version__, torch.version.cuda)') at $torch_dir"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
cuda=${TORCHSLIM_CUDA:-ON}
if [ "$cuda" = ON ] && [ -z "${CUDACXX:-}" ]; then
  for c in "$(command -v nvcc || true)" /usr/local/cuda/bin/nvcc; do [ -n "$c" ] && [ -x "$c" ] && export CUDACXX="$c" && break; done
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DTORCHSLIM_TORCH_INCLUDE="$torch_dir/include" -DTORCHSLIM_TORCH_LIBS="$torch_dir/lib" \
  -DTORCHSLIM_CUDA="$cuda" -DCMAKE_CUDA_ARCHITECTURES="80;90" \
  -DCMAKE_EXE_LINKER_FLAGS="-Wl,--allow-shlib-undefined" > "$build.configure.log" 2>&1 \
  || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -V | grep -E "PASS|FAIL|passed|failed|Error"
