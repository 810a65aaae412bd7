#!/usr/bin/env bash
# Builds a C program natively and for wasm32-wasi (clang-19 -O2), compiles the wasm with
# kilnc, runs both with the same arguments and environment, and requires identical stdout
# and exit status.
# usage: run_wasi_test.sh BIN_DIR WORK_DIR SOURCE.c [PROGRAM-ARGS...]
# Environment:
#   WASM_CFLAGS    adds flags for the wasm build only, e.g. -msimd128.
#   WASI_SANDBOX=1 runs each side in a fresh directory, $work/$name.native.d and
#                  $work/$name.kiln.d (filled from fixtures/$name/ next to this script if
#                  that exists): the native program with it as its current directory, the
#                  wasm one with it pre-opened as "." (kiln run --dir DIR::.). Programs use
#                  relative paths only. Afterwards the two trees must be identical (names,
#                  types, sizes, contents, symlink targets; not times).
#   WASI_STDIN=F   feeds file F to both as standard input (otherwise /dev/null).
#   WASI_TAG=T     names the run $name.T instead of $name (for one program run several
#                  times with different arguments: their work files don't collide).
#   WASI_ISOLATE=1 runs kiln with --isolate (child process, seccomp, Landlock); the
#                  results must not change.
set -u
bin=$1; work=$2; src=$3; shift 3
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$src" .c)
run=$name${WASI_TAG:+.$WASI_TAG}
mkdir -p "$work"
clang-19 -O2 -Wall -march=x86-64-v2 "$src" -o "$work/$run.native" -lm || { echo "native build failed"; exit 1; }
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall ${WASM_CFLAGS:-} "$src" -o "$work/$run.wasm" || { echo "wasm build failed"; exit 1; }
"$bin/kilnc" "$work/$run.wasm" -O2 -o "$work/$run.so" || { echo "kilnc failed"; exit 1; }

stdin=/dev/null
[ -n "${WASI_STDIN:-}" ] && stdin=$WASI_STDIN
native_dir=.; dir_args=()
if [ "${WASI_SANDBOX:-0}" = 1 ]; then
  native_dir=$work/$run.native.d; kiln_dir=$work/$run.kiln.d
  for d in "$native_dir" "$kiln_dir"; do
    rm -rf "$d" && mkdir -p "$d" || { echo "cannot create $d"; exit 1; }
    if [ -d "$here/fixtures/$name" ]; then cp -a "$here/fixtures/$name/." "$d/" || exit 1; fi
  done
  dir_args=(--dir "$kiln_dir::.")
fi

(cd "$native_dir" && env -i KILN_TEST=wasi-env "$work/$run.native" "$@") < "$stdin" > "$work/$run.native.out"
native_rc=$?
isolate_args=()
[ "${WASI_ISOLATE:-0}" = 1 ] && isolate_args=(--isolate)
"$bin/kiln" run "${isolate_args[@]}" "$work/$run.so" "${dir_args[@]}" --env KILN_TEST=wasi-env -- "$@" < "$stdin" > "$work/$run.kiln.out"
kiln_rc=$?
status=0
if ! diff -u "$work/$run.native.out" "$work/$run.kiln.out"; then
  echo "FAIL: stdout differs between native and kiln"; status=1
fi
if [ "$native_rc" != "$kiln_rc" ]; then
  echo "FAIL: exit status native=$native_rc kiln=$kiln_rc"; status=1
fi

# One line per entry of a tree: path, type, and for files size and content hash, for
# symlinks the target. Directory sizes and all times are left out.
manifest() {
  (cd "$1" && find . -mindepth 1 -printf '%p\t%y\t%l\n' | LC_ALL=C sort | while IFS=$'\t' read -r p t l; do
    case $t in
      f) printf '%s\tfile\t%s\t%s\n' "$p" "$(stat -c %s "$p")" "$(sha256sum < "$p" | cut -c1-16)" ;;
      l) printf '%s\tsymlink\t%s\n' "$p" "$l" ;;
      d) printf '%s\tdir\n' "$p" ;;
      *) printf '%s\t%s\n' "$p" "$t" ;;
    esac
  done)
}
if [ "${WASI_SANDBOX:-0}" = 1 ]; then
  manifest "$native_dir" > "$work/$run.native.tree"
  manifest "$kiln_dir" > "$work/$run.kiln.tree"
  if ! diff -u "$work/$run.native.tree" "$work/$run.kiln.tree"; then
    echo "FAIL: the directory trees left behind differ ($native_dir vs $kiln_dir)"; status=1
  fi
fi
[ $status = 0 ] && echo "PASS: $run (exit $kiln_rc, $(wc -l < "$work/$run.kiln.out") lines identical)"
exit $status
