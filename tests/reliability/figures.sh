#!/usr/bin/env bash
# The two reliability figures that need more than one JVM racing the file system:
#  1. a running JVM whose libtorchslim/libjnitorchslim are replaced (as a rebuild does), written
#     in place (the old build-native.sh, cp -p) or as a new file renamed over them (now);
#  2. three JVMs starting at once on an empty JavaCPP cache, through JavaCPP alone ("raw") or
#     through TorchSlim's NativeLibrary (its load lock).
# Usage: tests/reliability/figures.sh OTHER_LIB_DIR [ROUNDS]   after 'mvn -DskipTests package';
# OTHER_LIB_DIR holds another build of the two libraries (e.g. another checkout's
# java/torchslim/target/classes/dev/torchslim/jni/linux-x86_64). Prints one line per figure.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
other=$(cd "$1" && pwd)
rounds=${2:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
classes="$root/java/torchslim/target/classes"
# The tests module's class path without the library's classes (copied below, or named explicitly).
deps=$(tr ':' '\n' < "$root/target/test-classpath.txt" | grep -vx "$classes" | paste -sd:)
plat=dev/torchslim/jni/linux-x86_64
declare -A died=([inplace]=0 [rename]=0)
for ((i = 0; i < rounds; i++)); do
  for mode in inplace rename; do
    rm -rf "$work/classes" && cp -r "$classes" "$work/classes"
    java -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -XX:ErrorFile="$work/hs_err_%p.log" \
      -cp "$work/classes:$root/tests/target/test-classes:$deps" dev.torchslim.reliability.NativeCallLoop 8000 \
      > "$work/loop.log" 2>&1 & pid=$!
    sleep 5
    for lib in libtorchslim.so libjnitorchslim.so; do
      if [ "$mode" = inplace ]; then cp -p "$other/$lib" "$work/classes/$plat/$lib"
      else cp -p "$other/$lib" "$work/classes/$plat/.$lib.tmp" && mv -f "$work/classes/$plat/.$lib.tmp" "$work/classes/$plat/$lib"; fi
    done
    wait "$pid" 2>/dev/null || died[$mode]=$((died[$mode] + 1))
  done
done
echo "libraries replaced under a running JVM: in place ${died[inplace]} of $rounds died, by rename ${died[rename]} of $rounds died"
cp="$root/tests/target/test-classes:$classes:$deps"
for mode in raw torchslim; do
  dead=0
  for ((i = 0; i < rounds; i++)); do
    cache=$(mktemp -d "$work/cache.XXXX"); pids=()
    for j in 1 2 3; do
      java -Xmx256m -Dorg.bytedeco.javacpp.cachedir="$cache" -XX:ErrorFile="$work/hs_err_%p.log" -cp "$cp" \
        dev.torchslim.reliability.LoadProbe $([ "$mode" = raw ] && echo raw) > /dev/null 2>&1 & pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || dead=$((dead + 1)); done
    rm -rf "$cache"
  done
  echo "3 JVMs on an empty JavaCPP cache, $mode: $dead of $((3 * rounds)) died"
done
