#!/usr/bin/env bash
# Installs every Debian (bookworm) package kiln's build, tests and benchmarks need.
# Idempotent; run as root (or with sudo available).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
PKGS=(
  cmake ninja-build g++ git python3 curl ca-certificates xz-utils bsdutils
  llvm-19-dev llvm-19-tools liblld-19-dev lld-19
  clang-19 libclang-rt-19-dev-wasm32 libclang-rt-19-dev wasi-libc
  libabsl-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  wabt binaryen libsodium-dev libseccomp-dev linux-perf gdb nodejs valgrind
  libtomlplusplus-dev libmicrohttpd-dev wrk lighttpd
  zlib1g-dev libzstd-dev libxml2-dev libedit-dev libffi-dev libncurses-dev
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
