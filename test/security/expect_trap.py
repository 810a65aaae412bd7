#!/usr/bin/env python3
"""Runs a command and checks that it ended in a clean Wasm trap: exit status 134 (not a
signal), and 'kiln: trap: TEXT' on stderr.

usage: expect_trap.py TEXT -- COMMAND [ARGS...]
"""
import subprocess
import sys


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    text = sys.argv[1]
    cmd = sys.argv[3:]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        print(f"FAIL: {cmd} did not finish within 60 s", file=sys.stderr)
        return 1
    sys.stderr.write(p.stderr)
    if p.returncode < 0:
        print(f"FAIL: killed by signal {-p.returncode}; a trap must never be a signal", file=sys.stderr)
        return 1
    if p.returncode != 134:
        print(f"FAIL: exit status {p.returncode}, expected 134 (trap)", file=sys.stderr)
        return 1
    want = f"kiln: trap: {text}"
    if want not in p.stderr:
        print(f"FAIL: stderr lacks '{want}'", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
