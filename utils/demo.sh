#!/usr/bin/env bash
# The main job on a sample: compile a C program to wasm32-wasi with clang-19, compile that
# ahead of time with kilnc, and run it sandboxed with kiln.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/demo
mkdir -p "$out"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 test/wasi/hello.c -o "$out/hello.wasm"
build/bin/kilnc "$out/hello.wasm" -O2 -o "$out/hello.so"
echo "+ kiln run $out/hello.so --env GREETING=hi -- a b"
set +e
build/bin/kiln run "$out/hello.so" --env GREETING=hi -- a b
echo "(exit status $?)"
