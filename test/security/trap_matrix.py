#!/usr/bin/env python3
"""Compiles one .wat module at every optimisation level (-O0..-O3) and checks each
expectation written in it against `kiln run --invoke`, at every level:

  ;; EXPECT: EXPORT ARGS... -> trap "SPEC TEXT"    a clean trap (exit 134) with that text
  ;; EXPECT: EXPORT ARGS... -> RESULT              stdout is RESULT (results, space-separated)
  ;; WAT2WASM-FLAGS: --enable-...                  extra wat2wasm flags (optional)

usage: trap_matrix.py KILNC KILN WAT2WASM FILE.wat WORKDIR
Every failed expectation is printed with its level and the output; the exit status is 1
if any failed, and 1 if the file has no expectation (a test that checks nothing fails).
"""
import os
import re
import shlex
import subprocess
import sys

EXPECT = re.compile(r';;\s*EXPECT:\s*(.*?)\s*->\s*(.*?)\s*$')
TRAP = re.compile(r'trap\s+"(.*)"$')


def main() -> int:
    kilnc, kiln, wat2wasm, wat, work = sys.argv[1:6]
    os.makedirs(work, exist_ok=True)
    expectations, flags = [], []
    with open(wat) as f:
        for line in f:
            m = EXPECT.search(line)
            if m:
                expectations.append((shlex.split(m.group(1)), m.group(2)))
            elif 'WAT2WASM-FLAGS:' in line:
                flags += line.split('WAT2WASM-FLAGS:', 1)[1].split()
    if not expectations:
        print(f'{wat}: no EXPECT lines')
        return 1
    base = os.path.join(work, os.path.splitext(os.path.basename(wat))[0])
    subprocess.run([wat2wasm, *flags, wat, '-o', base + '.wasm'], check=True)
    failures = 0
    for level in range(4):
        so = f'{base}.O{level}.so'
        subprocess.run([kilnc, base + '.wasm', f'-O{level}', '-o', so], check=True)
        for call, want in expectations:
            r = subprocess.run([kiln, 'run', so, '--invoke', *call], capture_output=True,
                               text=True, timeout=60)
            trap = TRAP.match(want)
            if trap:
                ok = r.returncode == 134 and f'kiln: trap: {trap.group(1)}' in r.stderr
            else:
                ok = r.returncode == 0 and r.stdout.split() == want.split()
            if not ok:
                failures += 1
                print(f'FAIL -O{level}: {" ".join(call)}: want {want}; got exit {r.returncode}, '
                      f'stdout {r.stdout.strip()!r}, stderr {r.stderr.strip()!r}')
    total = 4 * len(expectations)
    print(f'{wat}: {total - failures} of {total} expectations hold at -O0..-O3')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
