#!/usr/bin/env python3
"""Runs Node.js's WASI test suite (written by the Node.js developers, fetched from Debian's
nodejs source package by utils/fetch-node-wasi-suite.sh) against kiln, with the suite's
own conventions, taken from its drivers test/wasi/test-wasi.js and test-wasi-symlinks.js:

  - each program is the prebuilt wasm/<name>.wasm from the suite (built with wasi-sdk),
    compiled here with kilnc;
  - test-wasi.js cases: argv = foo -bar --baz=value; pre-opens /sandbox = the suite's
    fixtures/wasi directory (a fresh copy per case) and /tmp = a fresh empty directory;
    environment NODE_PLATFORM=linux; stdin a pipe carrying the case's input (empty if none);
  - test-wasi-symlinks.js cases: no arguments; /sandbox holds input.txt ("hello from
    input.txt"), subdir/input_link.txt -> ./input.txt, subdir/outside.txt ->
    ../outside.txt, subdir/loop1 -> subdir/loop2, subdir/loop2 -> subdir/loop1, with
    outside.txt ("this should be inaccessible") next to the sandbox; /tmp a fresh directory;
  - a case passes when the exit status and stdout are exactly the expected ones.

Five cases encode behaviour of Node's WASI implementation (uvwasi) that contradicts POSIX
and the WebAssembly WASI testsuite; kiln follows POSIX. Each is run, and must fail at
exactly the documented assertion, so a change either way is noticed. For the three symlink
cases the runner also opens the same link on the host, where the kernel gives ENOENT too:
  - readdir: expects 4 entries in /sandbox. fd_readdir also returns "." and ".." (as the
    kernel does, as native readdir(3) does, and as WebAssembly/wasi-testsuite's fd_readdir
    test requires), so there are 6.
  - create_symlink: expects readlink() to return strlen(target) + 1 (uvwasi counts a NUL).
    path_readlink returns the length of the target, as readlink(2) does.
  - follow_symlink: subdir/input_link.txt -> ./input.txt names sandbox/subdir/input.txt (a
    link's target is relative to the link's directory), which does not exist: ENOENT,
    where the test expects to read sandbox/input.txt.
  - symlink_escape: subdir/outside.txt -> ../outside.txt names sandbox/outside.txt (a link's
    target is relative to the link's directory), which does not exist: ENOENT, where the
    test expects ENOTCAPABLE. (An escape through a symlink is refused with ENOTCAPABLE: see
    test/wasi/escape.c.)
  - symlink_loop: subdir/loop1 -> subdir/loop2 names subdir/subdir/loop2, which does not
    exist: ENOENT, where the test expects ELOOP.

usage: run_node_wasi_suite.py --bin BIN_DIR --suite SUITE_DIR --work WORK_DIR
Exit status: 0 all as expected, 1 a failure, 77 the suite is not there (not run).
"""
import argparse
import os
import shutil
import subprocess
import sys

EOL = "\n"
# name: (driver, expected stdout, expected exit status, stdin)
CASES = {
    "cant_dotdot": ("wasi", "", 0, b""),
    "clock_getres": ("wasi", "", 0, b""),
    "exitcode": ("wasi", "", 120, b""),
    "fd_prestat_get_refresh": ("wasi", "", 0, b""),
    "freopen": ("wasi", "hello from input2.txt" + EOL, 0, b""),
    "ftruncate": ("wasi", "", 0, b""),
    "getentropy": ("wasi", "", 0, b""),
    "getrusage": ("wasi", "", 0, b""),
    "gettimeofday": ("wasi", "", 0, b""),
    "main_args": ("wasi", "", 0, b""),
    "notdir": ("wasi", "", 0, b""),
    "poll": ("wasi", "", 0, b""),
    "preopen_populates": ("wasi", "", 0, b""),
    "readdir": ("wasi", "", 0, b""),
    "read_file": ("wasi", "hello from input.txt" + EOL, 0, b""),
    "read_file_twice": ("wasi", ("hello from input.txt" + EOL) * 2, 0, b""),
    "stat": ("wasi", "", 0, b""),
    "sock": ("wasi", "", 0, b""),
    "write_file": ("wasi", "", 0, b""),
    "stdin": ("wasi", "hello world", 0, b"hello world"),
    "create_symlink": ("symlinks", "hello from input.txt", 0, b""),
    "follow_symlink": ("symlinks", "hello from input.txt", 0, b""),
    "link": ("symlinks", "", 0, b""),
    "symlink_escape": ("symlinks", "", 0, b""),
    "symlink_loop": ("symlinks", "", 0, b""),
}

# Cases where kiln deliberately differs (see above): the assertion they must fail at.
DIVERGENT = {
    "readdir": "Assertion failed: cnt == 4",
    "create_symlink": "Assertion failed: readlink(linkpath, readlink_result, result_size) ==",
    "follow_symlink": "Assertion failed: file != NULL",
    "symlink_escape": "Assertion failed: errno == ENOTCAPABLE",
    "symlink_loop": "Assertion failed: errno == ELOOP",
}


def setup_symlink_sandbox(root):
    sandbox = os.path.join(root, "sandbox")
    subdir = os.path.join(sandbox, "subdir")
    os.makedirs(subdir)
    with open(os.path.join(sandbox, "input.txt"), "w") as f:
        f.write("hello from input.txt")
    with open(os.path.join(root, "outside.txt"), "w") as f:
        f.write("this should be inaccessible")
    os.symlink(os.path.join(".", "input.txt"), os.path.join(subdir, "input_link.txt"))
    os.symlink(os.path.join("..", "outside.txt"), os.path.join(subdir, "outside.txt"))
    os.symlink(os.path.join("subdir", "loop2"), os.path.join(subdir, "loop1"))
    os.symlink(os.path.join("subdir", "loop1"), os.path.join(subdir, "loop2"))
    return sandbox


def run_case(name, args, suite, work):
    driver, want_out, want_rc, stdin = CASES[name]
    wasm = os.path.join(suite, "wasi", "wasm", name + ".wasm")
    case_dir = os.path.join(work, name)
    shutil.rmtree(case_dir, ignore_errors=True)
    os.makedirs(case_dir)
    so = os.path.join(case_dir, name + ".so")
    c = subprocess.run([os.path.join(args.bin, "kilnc"), wasm, "-O1", "-o", so],
                       capture_output=True, text=True)
    if c.returncode != 0:
        return False, "kilnc failed: " + c.stderr.strip()
    tmp = os.path.join(case_dir, "tmp")
    os.makedirs(tmp)
    cmd = [os.path.join(args.bin, "kiln"), "run", so]
    host_note = ""
    if driver == "wasi":
        sandbox = os.path.join(case_dir, "sandbox")
        shutil.copytree(os.path.join(suite, "fixtures"), sandbox, symlinks=True)
        cmd += ["--argv0", "foo", "--env", "NODE_PLATFORM=linux",
                "--dir", sandbox + "::/sandbox", "--dir", tmp + "::/tmp",
                "--", "-bar", "--baz=value"]
    else:
        sandbox = setup_symlink_sandbox(case_dir)
        link = {"follow_symlink": "input_link.txt", "symlink_escape": "outside.txt",
                "symlink_loop": "loop1"}.get(name)
        if link:
            try:
                open(os.path.join(sandbox, "subdir", link)).close()
                host_note = "the host opens subdir/%s" % link
            except OSError as e:
                host_note = "the host kernel also fails to open subdir/%s: %s" % (
                    link, os.strerror(e.errno))
        cmd += ["--argv0", "", "--dir", sandbox + "::/sandbox", "--dir", tmp + "::/tmp"]
    try:
        r = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return False, "timed out after 120 s"
    out = r.stdout.decode("utf-8", "replace")
    err = r.stderr.decode("utf-8", "replace").strip()
    problems = []
    if r.returncode != want_rc:
        problems.append("exit status %d, expected %d" % (r.returncode, want_rc))
    if out != want_out:
        problems.append("stdout %r, expected %r" % (out, want_out))
    if problems and err:
        problems.append("stderr: " + err.replace("\n", " | "))
    return not problems, "; ".join(problems), err, host_note


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True, help="directory with kilnc and kiln")
    ap.add_argument("--suite", required=True, help="where fetch-node-wasi-suite.sh unpacked it")
    ap.add_argument("--work", required=True, help="scratch directory")
    ap.add_argument("cases", nargs="*", help="run only these cases")
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(args.suite, ".complete")):
        print("node WASI suite not found in %s (run utils/fetch-node-wasi-suite.sh %s): NOT RUN"
              % (args.suite, args.suite))
        return 77
    wasm_dir = os.path.join(args.suite, "wasi", "wasm")
    present = sorted(f[:-5] for f in os.listdir(wasm_dir) if f.endswith(".wasm"))
    unknown = [p for p in present if p not in CASES]
    missing = [n for n in CASES if n not in present]
    if unknown or missing:
        print("suite contents changed: programs without a case: %s; cases without a program: %s"
              % (unknown, missing))
        return 1
    names = args.cases or sorted(CASES)
    passed = diverged = 0
    failed = []
    for name in names:
        ok, why, *rest = run_case(name, args, args.suite, args.work)
        err = rest[0] if rest else ""
        host_note = rest[1] if len(rest) > 1 else ""
        if name in DIVERGENT:
            if not ok and DIVERGENT[name] in err:
                diverged += 1
                print("DIVERGES (documented)  %s: %s%s" % (
                    name, DIVERGENT[name], (" (" + host_note + ")") if host_note else ""))
            elif ok:
                failed.append(name)
                print("FAIL  %s: passes, but kiln was documented to diverge here; update the "
                      "runner and docs/testing.md" % name)
            else:
                failed.append(name)
                print("FAIL  %s: %s (documented divergence was %r)" % (name, why, DIVERGENT[name]))
            continue
        if ok:
            passed += 1
            print("PASS  %s" % name)
        else:
            failed.append(name)
            print("FAIL  %s: %s" % (name, why))
    print("node WASI suite (%s): %d passed, %d documented divergences, %d failed%s"
          % (open(os.path.join(args.suite, "SOURCE")).read().strip(), passed, diverged,
             len(failed), (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
