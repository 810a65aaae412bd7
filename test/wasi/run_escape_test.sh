#!/usr/bin/env bash
# Sandbox escape attempts under kiln (no native comparison: natively they would succeed).
# Builds escape.c for wasm32-wasi, lays out
#   $work/escape/secret.txt, outside_dir/keep.txt       outside every pre-open
#   $work/escape/box/   pre-opened as "."    (with symlinks pointing out: see escape.c)
#   $work/escape/box2/  pre-opened as "data"
#   $work/escape/ro/    pre-opened read-only as "ro"
# runs it, requires its output to equal escape.expected, and checks on the host that
# nothing outside box/ and box2/ changed (secret.txt's contents, link count and times,
# outside_dir/, ro/, no new files next to them, nothing in /tmp from a raw absolute path).
# usage: run_escape_test.sh BIN_DIR WORK_DIR
set -u
bin=$1; work=$2
here=$(cd "$(dirname "$0")" && pwd)
e=$work/escape
mkdir -p "$work"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall "$here/escape.c" -o "$work/escape.wasm" || { echo "wasm build failed"; exit 1; }
"$bin/kilnc" "$work/escape.wasm" -O2 -o "$work/escape.so" || { echo "kilnc failed"; exit 1; }

rm -rf "$e" /tmp/kiln-escape-test
mkdir -p "$e/box/a/b/empty" "$e/box2" "$e/ro/sub" "$e/outside_dir"
printf 'TOP SECRET\n' > "$e/secret.txt"
printf 'keep\n' > "$e/outside_dir/keep.txt"
printf 'inside the box\n' > "$e/box/inside.txt"
printf 'deep\n' > "$e/box/a/b/deep.txt"
printf 'in the second box\n' > "$e/box2/b2.txt"
printf 'read-only data\n' > "$e/ro/ro.txt"
ln -s ../secret.txt "$e/box/secret"
ln -s secret "$e/box/chain"
ln -s .. "$e/box/up"
ln -s "$e/secret.txt" "$e/box/abs"
ln -s /etc "$e/box/absdir"
ln -s ../.. "$e/box/a/up2"
ln -s loop2 "$e/box/loop1"
ln -s loop1 "$e/box/loop2"
touch -d '2001-02-03 04:05:06' "$e/secret.txt" "$e/outside_dir/keep.txt" "$e/ro/ro.txt"

# Everything but box/ and box2/: path, type, size, link count, mtime, content hash.
outside() {
  (cd "$e" && find . -mindepth 1 \( -path ./box -o -path ./box2 \) -prune -o -printf '%p\t%y\t%s\t%n\t%T@\t%l\n' |
    LC_ALL=C sort | while IFS=$'\t' read -r p t s n m l; do
      h=; [ "$t" = f ] && h=$(sha256sum < "$p" | cut -c1-16)
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$t" "$s" "$n" "$m" "$l" "$h"
    done)
}
outside > "$work/escape.before"

isolate_args=()
[ "${WASI_ISOLATE:-0}" = 1 ] && isolate_args=(--isolate)
"$bin/kiln" run "${isolate_args[@]}" "$work/escape.so" --dir "$e/box::." --dir "$e/box2::data" --ro-dir "$e/ro::ro" \
  -- "$e/secret.txt" > "$work/escape.out" 2> "$work/escape.err"
rc=$?
status=0
if [ $rc != 0 ]; then
  echo "FAIL: kiln exited $rc"; cat "$work/escape.err"; status=1
fi
if ! diff -u "$here/escape.expected" "$work/escape.out"; then
  echo "FAIL: output differs from escape.expected (lines with ALLOWED are escapes)"; status=1
fi
outside > "$work/escape.after"
if ! diff -u "$work/escape.before" "$work/escape.after"; then
  echo "FAIL: something outside the pre-opened directories changed"; status=1
fi
if [ "$(cat "$e/secret.txt")" != "TOP SECRET" ]; then echo "FAIL: secret.txt was changed"; status=1; fi
if [ -e /tmp/kiln-escape-test ]; then echo "FAIL: /tmp/kiln-escape-test was created"; rm -rf /tmp/kiln-escape-test; status=1; fi
[ $status = 0 ] && echo "PASS: escape ($(grep -c ': denied' "$work/escape.out") attempts denied, nothing outside changed)"
exit $status
