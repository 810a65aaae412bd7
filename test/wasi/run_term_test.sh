#!/usr/bin/env bash
# Terminal escape sequences written by a guest (term_escapes.c), on stdout and on stderr:
#  1. through a pipe / into a file, kiln's output is byte-identical to the native program's;
#  2. on a terminal (a pseudo-terminal made by script(1)), no raw ESC (0x1b), BEL (0x07),
#     backspace (0x08) or 0x9b byte from the guest arrives, each is shown by some visible
#     rendering (not silently dropped), and the ordinary text and UTF-8 arrive intact;
#  3. with --allow-terminal-escapes, the raw ESC does arrive.
# usage: run_term_test.sh BIN_DIR WORK_DIR
set -u
bin=$1; work=$2
here=$(cd "$(dirname "$0")" && pwd)
name=term_escapes
mkdir -p "$work"
command -v script > /dev/null || { echo "FAIL: script(1) (util-linux / bsdutils) is not installed"; exit 1; }
clang-19 -O2 -Wall -march=x86-64-v2 "$here/$name.c" -o "$work/$name.native" || { echo "native build failed"; exit 1; }
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall "$here/$name.c" -o "$work/$name.wasm" || { echo "wasm build failed"; exit 1; }
"$bin/kilnc" "$work/$name.wasm" -O2 -o "$work/$name.so" || { echo "kilnc failed"; exit 1; }
kiln=$bin/kiln
so=$work/$name.so
status=0
fail() { echo "FAIL: $*"; status=1; }

# 1. Pipes and files: unchanged.
"$work/$name.native" < /dev/null | cat > "$work/$name.native.out"
"$kiln" run "$so" < /dev/null | cat > "$work/$name.kiln.out"
cmp "$work/$name.native.out" "$work/$name.kiln.out" || fail "stdout through a pipe differs from the native program's"
"$work/$name.native" stderr < /dev/null 2> "$work/$name.native.err"
"$kiln" run "$so" -- stderr < /dev/null 2> "$work/$name.kiln.err"
cmp "$work/$name.native.err" "$work/$name.kiln.err" || fail "stderr into a file differs from the native program's"
"$kiln" run "$so" < /dev/null > "$work/$name.kiln.file"
cmp "$work/$name.native.out" "$work/$name.kiln.file" || fail "stdout into a file differs from the native program's"

# Runs "$@" on a pseudo-terminal; prints what the terminal received, without \r (the
# terminal turns \n into \r\n).
on_tty() {
  local cmd
  printf -v cmd '%q ' "$@"
  script -qec "$cmd" /dev/null < /dev/null | tr -d '\r'
}

# 2. On a terminal: inert.
check_tty() {  # FILE WHAT
  local f=$1 what=$2
  export LC_ALL=C
  for b in 1b 07 08 9b; do
    if grep -aq "$(printf "\\x$b")" "$f"; then fail "$what: a raw 0x$b byte reached the terminal"; fi
  done
  grep -aqx 'hello plain text' "$f" || fail "$what: the line 'hello plain text' is missing"
  grep -aqx 'hello again' "$f" || fail "$what: the line 'hello again' is missing"
  # Each control is replaced by something visible, whatever notation kiln chooses.
  grep -aq '^red:..*\[31mRED..*\[0m:end$' "$f" || fail "$what: the CSI colour sequence is not shown visibly"
  grep -aq '^title:..*\]0;pwned..*:end$' "$f" || fail "$what: the OSC title sequence is not shown visibly"
  grep -aq '^c1:..*31m:end$' "$f" || fail "$what: the raw C1 byte 0x9b is not shown visibly"
  grep -aq '^c1utf8:..*31m:end$' "$f" || fail "$what: U+009B (C2 9B) is not shown visibly"
  grep -aq '^bell:..*:end$' "$f" || fail "$what: BEL is not shown visibly"
  grep -aq '^backspace:ab..*XY:end$' "$f" || fail "$what: backspace is not shown visibly"
  grep -aq "^tab:a$(printf '\t')b:end\$" "$f" || fail "$what: the tab did not arrive as a tab"
  grep -aq '^cr:abcdef:end$' "$f" || fail "$what: the carriage-return line did not arrive (as abc CR def)"
  unset LC_ALL
  grep -aq "^utf8: café 日本:end\$" "$f" || fail "$what: the UTF-8 text did not arrive intact"
}
on_tty "$kiln" run "$so" > "$work/$name.tty.out"
check_tty "$work/$name.tty.out" "stdout on a terminal"
on_tty "$kiln" run "$so" -- stderr > "$work/$name.tty.err"
check_tty "$work/$name.tty.err" "stderr on a terminal"
# The native program on the same terminal does send the raw bytes: the check above is
# about kiln, not about script(1).
on_tty "$work/$name.native" > "$work/$name.tty.native"
LC_ALL=C grep -aq "$(printf '\x1b')" "$work/$name.tty.native" || fail "script(1) itself drops ESC: this test cannot judge kiln"

# 3. Opted in: raw.
on_tty "$kiln" run --allow-terminal-escapes "$so" > "$work/$name.tty.allowed"
LC_ALL=C grep -aq "$(printf '\x1b')\[31mRED" "$work/$name.tty.allowed" ||
  fail "with --allow-terminal-escapes the raw ESC [31m did not reach the terminal"
on_tty "$kiln" run --allow-terminal-escapes "$so" -- stderr > "$work/$name.tty.allowed.err"
LC_ALL=C grep -aq "$(printf '\x1b')\[31mRED" "$work/$name.tty.allowed.err" ||
  fail "with --allow-terminal-escapes the raw ESC [31m did not reach the terminal on stderr"

[ $status = 0 ] && echo "PASS: $name (pipes unchanged; terminal output inert unless --allow-terminal-escapes)"
exit $status
