#!/usr/bin/env python3
"""Runs a command and checks that it ended in a clean Wasm trap: exit status 134 (not a
signal), and 'kiln: trap: TEXT' on stderr.

usage: expect_trap.py [--within SECONDS] [--stdout FILE] [--status N] TEXT -- COMMAND [ARGS...]
  --within: the command must end within SECONDS (wall clock)
  --stdout: write the command's stdout to FILE (for comparing runs)
  --status: expect exit status N instead, and TEXT anywhere on stderr (any other report
            kiln makes, e.g. --isolate's "kiln: isolate: ...")
"""
import subprocess
import sys
import time


def main() -> int:
    args = sys.argv[1:]
    within = None
    stdout_file = None
    status = None
    while args and args[0] in ("--within", "--stdout", "--status"):
        if len(args) < 2:
            break
        if args[0] == "--within":
            within = float(args[1])
        elif args[0] == "--status":
            status = int(args[1])
        else:
            stdout_file = args[1]
        args = args[2:]
    if len(args) < 3 or args[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    text = args[0]
    cmd = args[2:]
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        print(f"FAIL: {cmd} did not finish within 60 s", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - start
    sys.stderr.write(p.stderr)
    if stdout_file is not None:
        with open(stdout_file, "w") as f:
            f.write(p.stdout)
    if within is not None and elapsed > within:
        print(f"FAIL: took {elapsed:.3f} s, more than {within} s", file=sys.stderr)
        return 1
    if p.returncode < 0:
        print(f"FAIL: killed by signal {-p.returncode}; a trap must never be a signal", file=sys.stderr)
        return 1
    expected = 134 if status is None else status
    if p.returncode != expected:
        print(f"FAIL: exit status {p.returncode}, expected {expected}", file=sys.stderr)
        return 1
    want = f"kiln: trap: {text}" if status is None else text
    if want not in p.stderr:
        print(f"FAIL: stderr lacks '{want}'", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
