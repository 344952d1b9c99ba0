#!/usr/bin/env bash
# Creates target/pyenv with torch==2.13.0, torchvision 0.28.0 (pure-Python models; its compiled ops are a
# CUDA build that the oracle scripts stub out), transformers (small BERT models, random weights) and
# numpy, onnx and onnxruntime: the Python oracle of the parity tests and the peer of the benchmarks. Idempotent. Uses a local
# package index when the machine has one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/target/pyenv"
ready() {
  "$venv/bin/python" - <<'PY' 2>/dev/null
import sys, types
sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
import torch, numpy, torchvision.models, transformers, onnx, onnxruntime
assert torch.__version__.startswith("2.13.0")
PY
}
if ready; then
  exit 0
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
args=(--disable-pip-version-check -q --retries 1 --timeout 60)
# Machines of this workplace serve PyPI packages from a local index; elsewhere pip's defaults apply.
if [ -z "${PIP_INDEX_URL:-}" ] && [ -d /opt/pypi/simple ]; then
  args+=(--index-url file:///opt/pypi/simple)
fi
"$venv/bin/pip" install "${args[@]}" "torch==2.13.0" numpy pillow transformers
# onnx (its checker) and onnxruntime (a second runtime) for the ONNX export tests.
"$venv/bin/pip" install "${args[@]}" "onnx==1.23.1" "onnxruntime==1.30.0"
# torchvision pins a torch build of its own: install it without dependencies beside torch 2.13.0+cpu.
"$venv/bin/pip" install "${args[@]}" --no-deps "torchvision==0.28.0"
ready || { echo "torchslim: the Python oracle in $venv is incomplete (torch 2.13.0, torchvision, transformers, onnx, onnxruntime)" >&2; exit 1; }
"$venv/bin/python" -c 'import torch; print("torchslim: Python oracle torch", torch.__version__)'
