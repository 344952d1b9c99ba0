#!/usr/bin/env bash
# Runs one benchmark main from the test classes: tests/bench/run.sh NAME [args...]
# NAME: foundation (JNI call cost, training epochs Java vs Python). Builds first if needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
name=${1:?usage: tests/bench/run.sh NAME [args...]}; shift
case "$name" in
  foundation) main=dev.torchslim.bench.FoundationBenchmark ;;
  *) main="$name" ;;
esac
bash tests/oracle/setup-venv.sh
# The tests module writes its class path (library, examples, CLI, test dependencies) to target/test-classpath.txt.
mvn -q -DskipTests process-test-classes -pl tests -am >/dev/null
# BENCH_JAVA_OPTS: more JVM options (e.g. -Dorg.bytedeco.javacpp.nopointergc=true).
exec java -Xmx4g -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0 ${BENCH_JAVA_OPTS:-} \
  -cp "tests/target/test-classes:$(cat target/test-classpath.txt)" "$main" "$@"
