#!/usr/bin/env bash
# What the sandbox's limit checks cost on compute loops (a sieve, a matrix multiply, a hash
# chain; bench/limits/loops.c): the same module compiled three ways and run interleaved,
# 5 times each. Reports each variant's median time as a ratio to the build without checks.
#   no checks : the default (kiln run --timeout interrupts by signal)
#   epoch     : kilnc --epoch-checks (polling, for embedders that cannot use signals)
#   fuel      : kilnc --fuel, run with `kiln run --fuel` and a budget that never runs out
# usage: bench/limits/run.sh [BIN_DIR]   (default build/bin)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-build/bin}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 bench/limits/loops.c -o "$work/loops.wasm"
"$bin/kilnc" "$work/loops.wasm" -O2 -o "$work/none.so"
"$bin/kilnc" "$work/loops.wasm" -O2 --epoch-checks -o "$work/epoch.so"
"$bin/kilnc" "$work/loops.wasm" -O2 --fuel -o "$work/fuel.so"
declare -A times
for round in 1 2 3 4 5; do
  for v in none epoch fuel; do
    extra=()
    [ $v = fuel ] && extra=(--fuel 9000000000000000000)
    start=$(date +%s%N)
    "$bin/kiln" run "$work/$v.so" "${extra[@]}" > /dev/null
    end=$(date +%s%N)
    times[$v]+="$(( (end - start) / 1000 )) "
  done
done
median() { tr ' ' '\n' <<< "$1" | grep . | sort -n | sed -n 3p; }
base=$(median "${times[none]}")
echo "| variant | median / no checks |"
echo "| --- | --- |"
for v in none epoch fuel; do
  m=$(median "${times[$v]}")
  awk -v m="$m" -v b="$base" -v v="$v" 'BEGIN { printf "| %s | %.3f |\n", v, m / b }'
done
