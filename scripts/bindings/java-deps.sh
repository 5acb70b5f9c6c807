#!/usr/bin/env bash
# Makes the jsii Java dependencies of cdk8s-gateway resolvable from the Maven local repository $1 before
# `jsii-pacmak --target java` compiles against them.
#
# org.cdk8s:cdk8s-plus-28 (the peer dependency GatewayDeployment builds on) is published to Maven Central, but some
# mirrors do not carry it. When the repositories Maven reaches cannot resolve the version of node_modules/cdk8s-plus-28,
# this builds that same version from its npm package with jsii-pacmak (the way its maintainers build the published
# jar) and installs it into the local repository, once: later runs find it there.
set -euo pipefail

repo="$(mkdir -p "$1" && cd "$1" && pwd)"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

for dep in cdk8s-plus-28; do
  version="$(node -p "require('$dep/package.json').version")"
  coords="org.cdk8s:$dep:$version"
  if mvn --quiet --batch-mode "-Dmaven.repo.local=$repo" dependency:get "-Dartifact=$coords" -Dtransitive=false >/dev/null 2>&1; then
    continue
  fi
  echo "java-deps: $coords is not in the Maven repositories reached from here; building it from node_modules/$dep" >&2
  out="$root/.bindings/build/$dep"
  rm -rf "$out"
  jsii-pacmak "node_modules/$dep" --target java --outdir "$out" --maven-local-repository "$repo"
  dir="$out/java/org/cdk8s/$dep/$version"
  mvn --quiet --batch-mode "-Dmaven.repo.local=$repo" install:install-file \
    "-Dfile=$dir/$dep-$version.jar" "-DpomFile=$dir/$dep-$version.pom" "-Dsources=$dir/$dep-$version-sources.jar"
done
