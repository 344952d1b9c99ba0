#!/usr/bin/env bash
# Packaging checks, run by tests/run-all.sh after 'mvn verify' (needs the jar; installs it):
#  1. 'java -jar java/torchslim-cli/target/torchslim-cli-VERSION.jar --version' and every command's --help;
#  2. ./torchslim from another directory resolves relative --in/--out there;
#  3. the installed library jar holds classes only, its linux-x86_64 classifier jar the natives
#     (RUNPATH $ORIGIN only); a separate Maven project, copied outside the clone, depends on both
#     (dev.torchslim:torchslim and its natives only: no CLI, no examples), prunes and quantizes a
#     model, saves, loads and runs it, and its class path holds neither torchslim-cli nor
#     torchslim-examples; without the natives jar the same program fails with the typed error
#     that names the dependency to add;
#  3b. the same program built by Gradle (tests/consumer/gradle, mavenLocal()) when gradle is on PATH,
#     else "SKIP gradle-consumer" (a skip, never a pass);
#  4. javadoc with doclint on the public API of every module: 0 warnings (the release profile fails on any).
# Prints PASS/FAIL per check; exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
{ mvn -B -q -ntp -o install -DskipTests || mvn -B -q -ntp install -DskipTests; } > target/consumer-install.log 2>&1 ||
  { cat target/consumer-install.log; echo "FAIL install"; exit 1; }
jar=$(ls java/torchslim-cli/target/torchslim-cli-*.jar | grep -v -- "-sources\|-tests\|-javadoc" | head -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
check() {  # $1: name; rest: command
  local name=$1; shift
  if "$@" > "$work/$name.log" 2>&1; then echo "PASS $name"; else echo "FAIL $name"; cat "$work/$name.log"; fail=1; fi
}
java_opts=(-Dorg.bytedeco.javacpp.maxPhysicalBytes=0)

version_check() {
  (cd "$work" && java "${java_opts[@]}" -jar "$root/$jar" --version) | tee "$work/version.txt"
  grep -q "^torchslim 0\." "$work/version.txt" && grep -q "natives: libtorchslim" "$work/version.txt"
}
check java-jar-version version_check

help_check() {
  local cmds
  # Each command's usage starts unindented with its name; the first line is the general usage.
  cmds=$(java "${java_opts[@]}" -jar "$root/$jar" --help | grep -v '^usage:' | sed -n 's/^\([a-z][a-z-]*\) .*/\1/p' | sort -u)
  [ -n "$cmds" ] || { echo "no commands in --help"; return 1; }
  for c in $cmds; do
    java "${java_opts[@]}" -jar "$root/$jar" "$c" --help > /dev/null || { echo "$c --help failed"; return 1; }
    echo "$c --help ok"
  done
}
check every-help help_check

relative_paths() {
  mkdir -p "$work/caller"
  "$root/target/pyenv/bin/python" - "$work/caller/model.pt" <<'PY'
import sys, torch
m = torch.jit.script(torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)))
m.save(sys.argv[1])
PY
  (cd "$work/caller" && "$root/torchslim" prune --in model.pt --out pruned.pt --method l1 --amount 0.5)
  [ -f "$work/caller/pruned.pt" ] && [ ! -e "$root/pruned.pt" ]
}
check relative-paths relative_paths

natives_jar() {  # what 'mvn install' put in the local repository
  local version repo listing lib
  version=$(sed -n 's/^torchslim.version=//p' java/torchslim/target/classes/dev/torchslim/version.properties)
  repo="$HOME/.m2/repository/dev/torchslim/torchslim/$version"
  listing=$(unzip -Z1 "$repo/torchslim-$version.jar")
  ! grep -q '\.so$' <<< "$listing" || { echo "the main jar holds natives:"; grep '\.so$' <<< "$listing"; return 1; }
  grep -q '^dev/torchslim/core/NativeLibrary.class$' <<< "$listing"
  listing=$(unzip -Z1 "$repo/torchslim-$version-linux-x86_64.jar")
  ! grep -q '\.class$' <<< "$listing" || { echo "the natives jar holds classes"; return 1; }
  mkdir -p "$work/natives"
  for lib in libtorchslim.so libjnitorchslim.so; do
    grep -qx "dev/torchslim/jni/linux-x86_64/$lib" <<< "$listing" || { echo "no $lib in the natives jar"; return 1; }
    unzip -q -o -d "$work/natives" "$repo/torchslim-$version-linux-x86_64.jar" "dev/torchslim/jni/linux-x86_64/$lib"
    readelf -d "$work/natives/dev/torchslim/jni/linux-x86_64/$lib" | grep -E 'RPATH|RUNPATH' | tee "$work/runpath.txt"
    [ "$(grep -c . "$work/runpath.txt")" = 1 ] && grep -q 'RUNPATH.*\[\$ORIGIN\]$' "$work/runpath.txt" ||
      { echo "$lib: RUNPATH is not \$ORIGIN alone"; return 1; }
  done
}
check natives-jar natives_jar

consumer() {
  cp -r "$root/tests/consumer/maven" "$work/consumer"
  (cd "$work/consumer" && { mvn -B -q -ntp -o package 2>/dev/null || mvn -B -q -ntp package; } &&
   ! grep -q "torchslim-cli\|torchslim-examples" target/classpath.txt &&
   grep -q "dev/torchslim/torchslim/" target/classpath.txt &&
   grep -q "/torchslim-[^/:]*-linux-x86_64\.jar" target/classpath.txt &&
   java "${java_opts[@]}" -cp "target/classes:$(cat target/classpath.txt)" example.Consumer "$work/consumer/int8.pt")
  "$root/target/pyenv/bin/python" -c "import sys, torch; m = torch.jit.load(sys.argv[1]); print('python runs it:', tuple(m(torch.randn(8, 16)).shape))" "$work/consumer/int8.pt"
}
check maven-consumer consumer

missing_natives() {  # the consumer's class path without torchslim-VERSION-linux-x86_64.jar
  local cp status=0
  cp=$(tr ':' '\n' < "$work/consumer/target/classpath.txt" | grep -v -- '/torchslim-[^/]*-linux-x86_64\.jar$' | paste -sd:)
  (cd "$work/consumer" && java "${java_opts[@]}" -cp "target/classes:$cp" example.Consumer "$work/consumer/none.pt") \
    > "$work/missing.txt" 2>&1 || status=$?
  cat "$work/missing.txt"
  [ "$status" != 0 ] && [ ! -e "$work/consumer/none.pt" ] &&
    grep -q "^Exception in thread \"main\" dev.torchslim.core.TorchSlimException: TorchSlim's native libraries for linux-x86_64 are not on the class path: add the dependency dev.torchslim:torchslim:[^ ]* with classifier linux-x86_64" "$work/missing.txt"
}
check missing-natives missing_natives

gradle_consumer() {  # tests/consumer copied whole: the Gradle build compiles ../maven/src/main/java
  mkdir -p "$work/consumers"
  cp -r "$root/tests/consumer/maven" "$root/tests/consumer/gradle" "$work/consumers/"
  rm -rf "$work/consumers/maven/target"
  (cd "$work/consumers/gradle" &&
   { gradle -q --offline --no-daemon printClasspath > classpath.txt 2>/dev/null ||
     gradle -q --no-daemon printClasspath > classpath.txt; } &&
   ! grep -q "torchslim-cli\|torchslim-examples" classpath.txt &&
   grep -q "/torchslim-0[^/]*\.jar$" classpath.txt &&
   { gradle -q --offline --no-daemon run --args="$work/consumers/gradle/int8.pt" 2>/dev/null ||
     gradle -q --no-daemon run --args="$work/consumers/gradle/int8.pt"; })
  "$root/target/pyenv/bin/python" -c "import sys, torch; m = torch.jit.load(sys.argv[1]); print('python runs it:', tuple(m(torch.randn(8, 16)).shape))" "$work/consumers/gradle/int8.pt"
}
if command -v gradle > /dev/null 2>&1; then
  check gradle-consumer gradle_consumer
else
  echo "SKIP gradle-consumer (no gradle on PATH)"
fi

javadoc_clean() {  # the release profile's javadoc: doclint "all", any warning fails the build
  { mvn -B -q -ntp -o -Prelease javadoc:javadoc || mvn -B -q -ntp -Prelease javadoc:javadoc; }
}
check javadoc-doclint javadoc_clean
exit $fail
