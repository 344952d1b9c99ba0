#!/usr/bin/env bash
# Runs every test: installs what they need (Fashion-MNIST, the Python torch 2.13 oracle under
# target/pyenv), then 'mvn verify': the native build, CTest, and all JUnit 5 tests (GPU tests
# are tagged "gpu" and skipped; add -Pgpu-tests on a GPU machine), then the packaging checks of
# tests/consumer/run.sh (mvn install, java -jar, every --help, a separate consumer project).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tests/install-dataset.sh
bash tests/oracle/setup-venv.sh
mvn -B -ntp verify "$@"
# Packaging: java -jar, --help of every command, relative paths, a separate consumer project.
bash tests/consumer/run.sh
