#!/usr/bin/env bash
# Creates target/pyenv with torch==2.13.0 and numpy: the Python oracle of the parity tests and
# the peer of the benchmarks. Idempotent. Uses a local package index when the machine has one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/target/pyenv"
if "$venv/bin/python" -c 'import torch, numpy; assert torch.__version__.startswith("2.13.0")' 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
args=(--disable-pip-version-check -q --retries 1 --timeout 60)
# Machines of this workplace serve PyPI packages from a local index; elsewhere pip's defaults apply.
if [ -z "${PIP_INDEX_URL:-}" ] && [ -d /opt/pypi/simple ]; then
  args+=(--index-url file:///opt/pypi/simple)
fi
"$venv/bin/pip" install "${args[@]}" "torch==2.13.0" numpy
"$venv/bin/python" -c 'import torch; print("torchslim: Python oracle torch", torch.__version__)'
