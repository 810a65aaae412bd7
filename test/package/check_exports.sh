#!/usr/bin/env bash
# The shared libraries export only the C API (wasm_*, wasi_*, kiln_*), carry a versioned
# SONAME, and libkiln-runtime neither links nor contains LLVM.
# usage: check_exports.sh LIBDIR LIBRARY...   (libkiln.so and/or libkiln-runtime.so)
set -euo pipefail
lib="$1"
shift
status=0
for so in "$@"; do
  f="$lib/$so"
  [ -e "$f" ] || { echo "FAIL: $f missing"; status=1; continue; }
  # Defined dynamic symbols, less the version node (KILN_0, an ABS symbol).
  others=$(nm -D --defined-only "$f" | awk '$2 != "A" {print $3}' | grep -v -E '^(wasm_|wasi_|kiln_)' || true)
  if [ -n "$others" ]; then
    echo "FAIL: $so exports symbols outside the C API:"; echo "$others" | head -20; status=1
  fi
  count=$(nm -D --defined-only "$f" | awk '$2 != "A"' | wc -l)
  [ "$count" -ge 150 ] || { echo "FAIL: $so exports only $count symbols"; status=1; }
  syms=$(nm -D --defined-only "$f" | awk '{sub(/@.*/, "", $3); print $3}')
  for sym in wasm_engine_new wasm_module_new wasm_func_call wasm_instance_new kiln_linker_new wasi_config_new; do
    grep -qx "$sym" <<<"$syms" || { echo "FAIL: $so lacks $sym"; status=1; }
  done
  soname=$(readelf -d "$f" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
  [ "$soname" = "$so.0" ] || { echo "FAIL: $so has SONAME '$soname', expected $so.0"; status=1; }
  echo "$so: $count symbols, SONAME $soname"
done
rt="$lib/libkiln-runtime.so"
if ldd "$rt" | grep -i -E 'llvm|lld'; then echo "FAIL: libkiln-runtime.so links LLVM"; status=1; fi
if nm -C "$rt" 2>/dev/null | grep -c -E ' llvm::| lld::' >/dev/null; then
  echo "FAIL: libkiln-runtime.so contains LLVM code"; status=1
fi
if [ -e "$lib/libkiln.so" ]; then
  ldd "$lib/libkiln.so" | grep -c -i llvm >/dev/null || { echo "FAIL: libkiln.so does not link LLVM (no compiler?)"; status=1; }
fi
[ $status = 0 ] && echo "ok: only the C API is exported; the runtime library has no LLVM"
exit $status
