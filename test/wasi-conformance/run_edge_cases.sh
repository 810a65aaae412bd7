#!/usr/bin/env bash
# edge_cases.c makes raw preview 1 calls (rights and flags wasi-libc never passes, paths
# with trailing slashes verbatim); its output must equal edge_cases.expected and the files
# it leaves behind must be the expected ones.
# usage: run_edge_cases.sh BIN_DIR WORK_DIR SOURCE_DIR
# WASI_ISOLATE=1 runs kiln with --isolate; nothing may change.
set -u
bin=$1; work=$2; src=$3
rm -rf "$work"; mkdir -p "$work/box"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall "$src/edge_cases.c" \
  -o "$work/edge_cases.wasm" || { echo "FAIL: wasm build"; exit 1; }
"$bin/kilnc" "$work/edge_cases.wasm" -O2 -o "$work/edge_cases.so" || { echo "FAIL: kilnc"; exit 1; }
isolate_args=()
[ "${WASI_ISOLATE:-0}" = 1 ] && isolate_args=(--isolate)
"$bin/kiln" run "${isolate_args[@]}" "$work/edge_cases.so" --dir "$work/box::/" > "$work/out.txt"
rc=$?
status=0
diff -u "$src/edge_cases.expected" "$work/out.txt" || { echo "FAIL: output differs"; status=1; }
[ $rc = 0 ] || { echo "FAIL: exit status $rc"; status=1; }
left=$(cd "$work/box" && find . -mindepth 1 -printf '%p:%y\n' | LC_ALL=C sort | tr '\n' ' ')
want="./file:f ./ld:l ./ln:l "
[ "$left" = "$want" ] || { echo "FAIL: left behind [$left], expected [$want]"; status=1; }
[ "$(cat "$work/box/file")" = x ] || { echo "FAIL: box/file is not \"x\""; status=1; }
[ $status = 0 ] && echo "PASS: preview 1 edge cases as expected"
exit $status
