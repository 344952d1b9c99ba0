#!/usr/bin/env bash
# Finds LibTorch headers that match the bytedeco LibTorch exactly and writes their include
# directory to <out> (default <cache>/include-dir.txt). Order: $LIBTORCH_HOME/include, a copy
# cached under <cache> (by default outside target/, so 'mvn clean' does not fetch 192 MB again),
# then the torch==<version> wheel from pip (the bytedeco jars ship no headers).
# Usage: libtorch-headers.sh VERSION CACHE_DIR [OUT_FILE]
set -euo pipefail
version="$1"
dest=$(mkdir -p "$2" && cd "$2" && pwd)
out="${3:-$dest/include-dir.txt}"
mkdir -p "$(dirname "$out")"

check_version() {  # $1: include dir
  local h="" c
  for c in "$1/torch/headeronly/version.h" "$1/torch/csrc/api/include/torch/version.h"; do
    if [ -z "$h" ] && grep -q "TORCH_VERSION_MAJOR" "$c" 2>/dev/null; then h="$c"; fi
  done
  [ -n "$h" ] || { echo "torchslim: $1 is not a LibTorch include directory (no torch/headeronly/version.h)" >&2; return 1; }
  local found
  found=$(sed -n 's/^#define TORCH_VERSION_MAJOR \([0-9]*\)/\1/p' "$h").$(sed -n 's/^#define TORCH_VERSION_MINOR \([0-9]*\)/\1/p' "$h").$(sed -n 's/^#define TORCH_VERSION_PATCH \([0-9]*\)/\1/p' "$h")
  if [ "$found" != "$version" ]; then
    echo "torchslim: LibTorch headers in $1 are version $found, the bytedeco LibTorch is $version" >&2
    return 1
  fi
}

if [ -n "${LIBTORCH_HOME:-}" ]; then
  check_version "$LIBTORCH_HOME/include"
  echo "$LIBTORCH_HOME/include" > "$out.tmp" && mv "$out.tmp" "$out"
  exit 0
fi

inc="$dest/$version/include"
if [ -f "$inc/.complete" ]; then
  echo "$inc" > "$out.tmp" && mv "$out.tmp" "$out"
  exit 0
fi

# Several builds (worktrees, CI jobs) may share the cache: one fetches, the others wait.
if command -v flock >/dev/null; then
  exec 9>"$dest/.lock"
  flock 9
  if [ -f "$inc/.complete" ]; then
    echo "$inc" > "$out.tmp" && mv "$out.tmp" "$out"
    exit 0
  fi
fi
wheels="$dest/wheel"
mkdir -p "$wheels"
if ! ls "$wheels"/torch-"$version"*.whl >/dev/null 2>&1; then
  pip=$(command -v pip3 || command -v pip || true)
  if [ -z "$pip" ]; then
    echo "torchslim: LibTorch headers are needed to build: set LIBTORCH_HOME to a LibTorch $version, or install pip so the build can fetch the torch==$version wheel" >&2
    exit 1
  fi
  echo "torchslim: fetching LibTorch $version headers from the torch wheel (pip download, once)"
  "$pip" download "torch==$version" --no-deps --only-binary=:all: --retries 1 --timeout 30 \
      --disable-pip-version-check -q -d "$wheels"
fi
whl=$(ls "$wheels"/torch-"$version"*.whl | head -n 1)
tmp="$dest/$version.tmp.$$"
rm -rf "$tmp" && mkdir -p "$tmp"
python3 - "$whl" "$tmp" <<'PY'
import sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    names = [n for n in z.namelist() if n.startswith("torch/include/")]
    if not names:
        sys.exit(f"torchslim: {whl} has no torch/include/")
    for n in names:
        z.extract(n, out)
PY
rm -rf "$dest/$version"
mkdir -p "$dest/$version"
mv "$tmp/torch/include" "$inc"
rm -rf "$tmp"
check_version "$inc"
touch "$inc/.complete"
rm -rf "$wheels"  # the headers are all the build needs
echo "$inc" > "$out.tmp" && mv "$out.tmp" "$out"
