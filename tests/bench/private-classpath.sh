#!/usr/bin/env bash
# Copies the built CLI jar and the library's jars (classes, and the natives classifier jar) into DIR and
# prints the CLI's class path with the copies in place of the build tree's jars, so a rebuild of the checkout
# during a long run does not touch the JVMs it starts. Usage: cp=$(tests/bench/private-classpath.sh DIR)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(cd "$1" && pwd)
cli=$(ls "$root"/java/torchslim-cli/target/torchslim-cli-*.jar | grep -v -- '-sources\|-javadoc\|-tests' | head -n 1)
cp "$cli" "$dir/torchslim-cli.jar"
path=$(cat "$root/java/torchslim-cli/target/classpath.txt")
for lib in $(ls "$root"/java/torchslim/target/torchslim-*.jar | grep -v -- '-sources\|-javadoc'); do
  cp "$lib" "$dir/$(basename "$lib")"
  path=${path//"$lib"/"$dir/$(basename "$lib")"}
done
echo "$dir/torchslim-cli.jar:$path"
