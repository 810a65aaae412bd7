#!/usr/bin/env bash
# Builds a C program natively and for wasm32-wasi (clang-19 -O2), compiles the wasm with
# kilnc, runs both with the same arguments and environment, and requires identical stdout
# and exit status.
# usage: run_wasi_test.sh BIN_DIR WORK_DIR SOURCE.c [PROGRAM-ARGS...]
# WASM_CFLAGS (environment) adds flags for the wasm build only, e.g. -msimd128.
set -u
bin=$1; work=$2; src=$3; shift 3
name=$(basename "$src" .c)
mkdir -p "$work"
clang-19 -O2 -march=x86-64-v2 "$src" -o "$work/$name.native" -lm || { echo "native build failed"; exit 1; }
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 ${WASM_CFLAGS:-} "$src" -o "$work/$name.wasm" || { echo "wasm build failed"; exit 1; }
"$bin/kilnc" "$work/$name.wasm" -O2 -o "$work/$name.so" || { echo "kilnc failed"; exit 1; }
env -i KILN_TEST=wasi-env "$work/$name.native" "$@" > "$work/$name.native.out"
native_rc=$?
"$bin/kiln" run "$work/$name.so" --env KILN_TEST=wasi-env -- "$@" > "$work/$name.kiln.out"
kiln_rc=$?
status=0
if ! diff -u "$work/$name.native.out" "$work/$name.kiln.out"; then
  echo "FAIL: stdout differs between native and kiln"; status=1
fi
if [ "$native_rc" != "$kiln_rc" ]; then
  echo "FAIL: exit status native=$native_rc kiln=$kiln_rc"; status=1
fi
[ $status = 0 ] && echo "PASS: $name (exit $kiln_rc, $(wc -l < "$work/$name.kiln.out") lines identical)"
exit $status
