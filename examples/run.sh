#!/usr/bin/env bash
# Builds the examples against an installed kiln, twice (CMake's find_package, and make with
# pkg-config), runs each and compares its output with examples/expected/.
# usage: examples/run.sh PREFIX WORKDIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="$(cd "$1" && pwd)"
work="$2"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
export PATH="$prefix/bin:$PATH"
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"

# The inputs: text modules, a WASI command in C, signed and unsigned artifacts.
inputs="$work/inputs"
mkdir -p "$inputs/data"
for m in hello traps limits threads answer; do wat2wasm "$here/modules/$m.wat" -o "$inputs/$m.wasm"; done
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$here/modules/cat.c" -o "$inputs/cat.wasm"
kilnc "$inputs/cat.wasm" -o "$inputs/cat.so"
printf 'hello from a read-only directory\n' > "$inputs/data/hello.txt"
rm -f "$inputs/key" "$inputs/key.pub"
kiln keygen -o "$inputs/key" >/dev/null
kilnc "$inputs/answer.wasm" --sign "$inputs/key" -o "$inputs/answer-signed.so"
kilnc "$inputs/answer.wasm" -o "$inputs/answer-unsigned.so"

cmake -S "$here" -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
ninja -C "$work/cmake" >/dev/null
make -s -C "$here" OUT="$work/make" >/dev/null

status=0
check() {  # check NAME EXPECTED-FILE COMMAND...
  local name="$1" expected="$2"
  shift 2
  local out
  if ! out=$("$@" 2>&1); then
    echo "FAIL $name: exit status $?"; echo "$out"; status=1; return
  fi
  if ! diff -u "$expected" <(printf '%s\n' "$out") >/dev/null; then
    echo "FAIL $name: output differs"; diff -u "$expected" <(printf '%s\n' "$out") || true; status=1
  else
    echo "ok   $name"
  fi
}
for build in cmake make; do
  b="$work/$build"
  check "$build/hello" "$here/expected/hello.txt" "$b/hello" "$inputs/hello.wasm"
  check "$build/hello_cc" "$here/expected/hello_cc.txt" "$b/hello_cc" "$inputs/answer.wasm"
  check "$build/traps" "$here/expected/traps.txt" "$b/traps" "$inputs/traps.wasm"
  check "$build/limits" "$here/expected/limits.txt" "$b/limits" "$inputs/limits.wasm"
  check "$build/threads" "$here/expected/threads.txt" "$b/threads" "$inputs/threads.wasm"
  check "$build/wasi" "$here/expected/wasi.txt" "$b/wasi" "$inputs/cat.so" "$inputs/data"
  check "$build/signed" "$here/expected/signed.txt" "$b/signed" "$inputs/key.pub" \
    "$inputs/answer-signed.so" "$inputs/answer-unsigned.so"
done
# libkiln-runtime carries no LLVM: the examples linked to it do not load it either.
if ldd "$work/cmake/wasi" | grep -qi llvm; then echo "FAIL: wasi (kiln::runtime) loads LLVM"; status=1; fi
exit $status
