#!/usr/bin/env bash
# The ABI layout checks itself: abi.h compiles as it is, and swapping two fields of the
# same type (which keeps every struct's size) in a copy of it fails the build with a
# "kiln ABI:" assertion, in C and in C++.
# usage: abi_field_swap.sh SOURCE_DIR
set -euo pipefail
src="$1/runtime-lib/include"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo '#include "kiln/abi.h"' > "$work/use.c"
cc -std=c11 -fsyntax-only -I "$src" "$work/use.c"
c++ -std=c++20 -fsyntax-only -x c++ -I "$src" "$work/use.c"
status=0
# swap A B: a copy of abi.h with the two lines matching A and B exchanged must not compile.
swap() {
  local a="$1" b="$2"
  rm -rf "$work/inc" && cp -r "$src" "$work/inc"
  python3 - "$work/inc/kiln/abi.h" "$a" "$b" <<'PY'
import re, sys
path, a, b = sys.argv[1:4]
lines = open(path).read().split('\n')
ia = [i for i, l in enumerate(lines) if re.search(a, l)]
ib = [i for i, l in enumerate(lines) if re.search(b, l)]
assert len(ia) == 1 and len(ib) == 1, (a, b, ia, ib)
lines[ia[0]], lines[ib[0]] = lines[ib[0]], lines[ia[0]]
open(path, 'w').write('\n'.join(lines))
PY
  local lang compiler std out
  for lang in c c++; do
    if [ "$lang" = c ]; then compiler=cc std=-std=c11; else compiler=c++ std=-std=c++20; fi
    if out=$($compiler $std -fsyntax-only -x $lang -I "$work/inc" "$work/use.c" 2>&1); then
      echo "FAIL: swapping /$a/ and /$b/ still compiles ($lang)"; status=1
    elif ! grep -q "kiln ABI:" <<<"$out"; then
      echo "FAIL: swapping /$a/ and /$b/ fails for another reason ($lang):"; echo "$out"; status=1
    else
      echo "ok ($lang): swapping /$a/ and /$b/: $(grep -o 'kiln ABI:[^"]*' <<<"$out" | head -1)"
    fi
  done
}
swap '^  uint32_t num_types;$' '^  uint32_t num_imports;$'          # descriptor counts
swap '^  void \(\*data_drop\)' '^  void \(\*elem_drop\)'            # builtin slots
swap '^  uint32_t count; ' '^  uint32_t items_len;$'                 # element segments
swap '^  uint8_t\* memory0_base;' '^  uint64_t reserved;  *\/\* offset 56' # vmctx header
exit $status
