#!/usr/bin/env bash
# Builds kube-apiserver and etcd for the test suite (test/kube/) from their published Go modules, pinned by
# tools/kube-binaries/go.mod and go.sum, and caches them outside the clone so that every clone on this machine
# shares them:
#
#   ${CDK8S_GATEWAY_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-gateway/kube}/<key>/{kube-apiserver,etcd}
#
# <key> names the Kubernetes and etcd versions and hashes go.mod, go.sum, this script and the Go version: a changed
# pin builds anew, an unchanged one is never rebuilt; a build removes the folders no run has used for 30 days.
# `.kube/bin` in the clone (git-ignored) links to the folder.
#
# Usage: scripts/kube-binaries.sh           build when missing; print the folder on stdout
#        scripts/kube-binaries.sh --check   print the folder if both binaries are there, else exit 3 without building
#
# Safe when several runs race: one build at a time (flock on the cache root), into a temporary folder renamed into
# place only when both binaries are complete. Gentle on a shared machine: nice -n 10 and one package at a time
# (GOFLAGS=-p=1; set CDK8S_GATEWAY_KUBE_BUILD_JOBS to change it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="$root/tools/kube-binaries"
mode="${1:-build}"

if ! command -v go >/dev/null 2>&1; then
  echo "kube-binaries: go is not on PATH; install Go 1.26 or newer (tools/kube-binaries/go.mod says which) to build kube-apiserver and etcd" >&2
  exit 2
fi

kube_version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$module/go.mod")"
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v/ { print $2; exit }' "$module/go.mod")"
if [[ -z "$kube_version" || -z "$etcd_version" ]]; then
  echo "kube-binaries: $module/go.mod must require k8s.io/kubernetes and go.etcd.io/etcd/server/v3 at a version (e.g. k8s.io/kubernetes v1.37.2)" >&2
  exit 2
fi
go_version="$(go env GOVERSION)"
hash="$(cat "$module/go.mod" "$module/go.sum" "$0" <(echo "$go_version") | sha256sum | cut -c1-12)"
cache_root="${CDK8S_GATEWAY_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk8s-gateway/kube}"
dir="$cache_root/kube-$kube_version-etcd-$etcd_version-$hash"

complete() { [[ -x "$1/kube-apiserver" && -x "$1/etcd" ]]; }

link() {
  mkdir -p "$root/.kube"
  ln -sfn "$dir" "$root/.kube/bin.tmp.$$" && mv -T "$root/.kube/bin.tmp.$$" "$root/.kube/bin"
}

if complete "$dir"; then
  touch "$dir" # marks it in use: folders of other pins unused for 30 days are removed after a build
  link
  echo "$dir"
  exit 0
fi
if [[ "$mode" == "--check" ]]; then
  echo "kube-binaries: kube-apiserver $kube_version and etcd $etcd_version are not built yet ($dir); run scripts/kube-binaries.sh (a first build takes tens of minutes, later ones seconds)" >&2
  exit 3
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9
if ! complete "$dir"; then
  # the only line a build prints (on stderr; stdout carries the folder)
  echo "kube-binaries: building kube-apiserver $kube_version and etcd $etcd_version into $dir (seconds when Go's build cache is warm, about 20 minutes on 2 busy cores when cold)" >&2
  tmp="$(mktemp -d "$cache_root/.build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  pkg=k8s.io/component-base/version
  ldflags="-s -w -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$(echo "$kube_version" | cut -d. -f1 | tr -d v) -X $pkg.gitMinor=$(echo "$kube_version" | cut -d. -f2) -X $pkg.gitTreeState=clean"
  (
    cd "$module"
    export CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath -buildvcs=false -p=${CDK8S_GATEWAY_KUBE_BUILD_JOBS:-1}"
    nice -n 10 go build -ldflags "$ldflags" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
    nice -n 10 go build -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3
  )
  got_kube="$("$tmp/kube-apiserver" --version)"
  got_etcd="$("$tmp/etcd" --version | head -1)"
  if [[ "$got_kube" != "Kubernetes $kube_version" || "$got_etcd" != "etcd Version: ${etcd_version#v}" ]]; then
    echo "kube-binaries: the built binaries report \"$got_kube\" and \"$got_etcd\", not $kube_version and $etcd_version; check tools/kube-binaries/go.mod" >&2
    exit 1
  fi
  chmod 755 "$tmp"
  rm -rf "$dir"
  mv -T "$tmp" "$dir"
  trap - EXIT
  find "$cache_root" -mindepth 1 -maxdepth 1 -name 'kube-*' -mtime +30 -exec rm -rf {} +
fi
link
echo "$dir"
