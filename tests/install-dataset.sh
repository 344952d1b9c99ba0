#!/usr/bin/env bash
# Installs Debian's dataset-fashion-mnist (IDX files in /usr/share/datasets/fashion-mnist) when
# it is missing and this machine allows it (root, or sudo without a password).
set -euo pipefail
dir=/usr/share/datasets/fashion-mnist
if [ -f "$dir/train-images-idx3-ubyte.gz" ] || [ -n "${TORCHSLIM_DATA:-}" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "torchslim: $dir is missing and there is no apt-get: download Fashion-MNIST's four IDX files and set TORCHSLIM_DATA" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "torchslim: run 'sudo apt-get install -y dataset-fashion-mnist' (needs root)" >&2
    exit 1
  fi
fi
echo "torchslim: installing dataset-fashion-mnist"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null
