#!/usr/bin/env bash
# all_imports.c imports every wasi_snapshot_preview1 function; kiln must bind all of them
# (no missing import) and each must behave as all_imports.expected records.
# usage: run_all_imports.sh BIN_DIR WORK_DIR SOURCE_DIR
# WASI_ISOLATE=1 runs kiln with --isolate; nothing may change.
set -u
bin=$1; work=$2; src=$3
rm -rf "$work"; mkdir -p "$work/box"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$src/all_imports.c" -o "$work/all_imports.wasm" ||
  { echo "FAIL: wasm build"; exit 1; }
imports=$(wasm-objdump -x -j Import "$work/all_imports.wasm" | grep -c '<- wasi_snapshot_preview1\.')
if [ "$imports" != 46 ]; then echo "FAIL: the program imports $imports preview 1 functions, not 46"; exit 1; fi
"$bin/kilnc" "$work/all_imports.wasm" -O2 -o "$work/all_imports.so" || { echo "FAIL: kilnc"; exit 1; }
isolate_args=()
[ "${WASI_ISOLATE:-0}" = 1 ] && isolate_args=(--isolate)
"$bin/kiln" run "${isolate_args[@]}" "$work/all_imports.so" --env K=V --dir "$work/box::/box" \
  --tcplisten 127.0.0.1:0 -- one two > "$work/out.txt"
rc=$?
status=0
diff -u "$src/all_imports.expected" "$work/out.txt" || { echo "FAIL: output differs"; status=1; }
[ $rc = 7 ] || { echo "FAIL: exit status $rc, expected 7"; status=1; }
[ -f "$work/box/d/f" ] && [ "$(cat "$work/box/d/f")" = Jel ] || { echo "FAIL: box/d/f is not \"Jel\""; status=1; }
[ $status = 0 ] && echo "PASS: all 46 preview 1 imports bound and behaving as expected"
exit $status
