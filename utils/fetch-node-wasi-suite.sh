#!/usr/bin/env bash
# Fetches Node.js's WASI test suite (test/wasi: C programs, the .wasm files the Node.js
# developers built from them with wasi-sdk, and the fixtures) from Debian's nodejs source
# package, verifies it against the SHA-256 in Debian's signed Sources index, and unpacks
# only those directories into DEST. kiln runs it as an independent conformance suite
# (test/wasi-conformance). Nothing of it is committed.
# usage: fetch-node-wasi-suite.sh DEST
set -euo pipefail
dest=${1:?usage: fetch-node-wasi-suite.sh DEST}
if [ -f "$dest/.complete" ]; then exit 0; fi
mirror=${KILN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

curl -fsS --retry 3 -m 120 "$mirror/dists/bookworm/main/source/Sources.xz" -o "$tmp/Sources.xz"
xz -dc "$tmp/Sources.xz" > "$tmp/Sources"
# The nodejs stanza: its pool directory and the orig tarball's name and SHA-256.
read -r dir file sha < <(awk '
  /^Package: / { pkg = $2; dir = ""; insha = 0 }
  pkg == "nodejs" && /^Directory: / { dir = $2 }
  pkg == "nodejs" && /^Checksums-Sha256:/ { insha = 1; next }
  pkg == "nodejs" && insha && /^ / {
    if ($3 ~ /^nodejs_[^-]*\.orig\.tar\.xz$/) { sha = $1; file = $3 }
    next
  }
  { insha = 0 }
  /^$/ && pkg == "nodejs" && file != "" { print dir, file, sha; exit }
' "$tmp/Sources")
if [ -z "${file:-}" ]; then
  echo "fetch-node-wasi-suite: no nodejs source package in the Debian Sources index" >&2
  exit 1
fi
echo "fetch-node-wasi-suite: $file from Debian ($mirror/$dir)"
curl -fsS --retry 3 -m 600 "$mirror/$dir/$file" -o "$tmp/$file"
echo "$sha  $tmp/$file" | sha256sum -c --quiet -
mkdir -p "$tmp/x"
tar -xJf "$tmp/$file" -C "$tmp/x" --wildcards '*/test/wasi/*' '*/test/fixtures/wasi/*'
top=$(ls "$tmp/x")
rm -rf "$dest"
mkdir -p "$dest"
cp -a "$tmp/x/$top/test/wasi" "$dest/wasi"
cp -a "$tmp/x/$top/test/fixtures/wasi" "$dest/fixtures"
echo "$file" > "$dest/SOURCE"
touch "$dest/.complete"
echo "fetch-node-wasi-suite: unpacked into $dest"
