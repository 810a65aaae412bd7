#!/usr/bin/env python3
"""Builds the seed corpora of the libFuzzer targets (README.md).

    make-corpus.py --out DIR [--kilnc build/bin/kilnc] [--kiln build/bin/kiln] [--seeds]

DIR/<target>/ gets one file per seed, named by its SHA-1:
  decode    every .wasm module wabt's wast2json extracts from the spec suites
            (shared/testsuite/spec-wg-2.0 and spec), valid, invalid and malformed alike
  text      every module form of the same .wast files ((module ...) at top level and inside
            assertions, quote and binary modules included), and each small script whole
  artifact  kilnc artifacts of the hand-written modules below and of spec modules, at -O0
            and -O2, some signed (kilnc --sign with a key made by `kiln keygen`)
  wasi      hand-written call programs (see wasi_fuzzer.cc for the format)

--seeds writes the small set committed under seeds/ instead: the hand-written artifacts and
WASI programs, and a few dozen small decode and text seeds.
"""
import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SUITES = [os.path.join(ROOT, "..", "shared", "testsuite", d) for d in ("spec-wg-2.0", "spec")]
SUITES = [os.path.normpath(s) for s in SUITES]
MAX_LEN = {"decode": 8192, "text": 8192, "artifact": 32768, "wasi": 4096}


def save(out, target, data):
    if len(data) > MAX_LEN[target]:
        return False
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)
    return True


def wast_files(limit=None):
    """The suites' .wast files; with a limit, about that many spread over them."""
    files = list(all_wast_files())
    return files[::max(1, len(files) // limit)] if limit else files


def all_wast_files():
    for suite in SUITES:
        if not os.path.isdir(suite):
            print(f"make-corpus: no spec suite at {suite}", file=sys.stderr)
            continue
        for dirpath, _, names in sorted(os.walk(suite)):
            for n in sorted(names):
                if n.endswith(".wast"):
                    yield os.path.join(dirpath, n)


# ---------------------------------------------------------------- text: module forms

def top_forms(text):
    """The balanced top-level forms of a .wast text (strings and comments respected)."""
    forms, depth, start, i, n = [], 0, None, 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif text.startswith(";;", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("(;", i):
            level = 0
            while i < n:
                if text.startswith("(;", i):
                    level, i = level + 1, i + 2
                elif text.startswith(";)", i):
                    level, i = level - 1, i + 2
                    if level == 0:
                        break
                else:
                    i += 1
            continue
        elif c == "(":
            if depth == 0:
                start = i
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0 and start is not None:
                forms.append(text[start:i + 1])
                start = None
        i += 1
    return forms


def module_forms(text):
    for form in top_forms(text):
        if form.startswith("(module"):
            yield form
        elif form.startswith("(assert_"):
            for inner in top_forms(form[1:-1]):
                if inner.startswith("(module"):
                    yield inner


def text_corpus(out, limit=None):
    count = 0
    for path in wast_files(limit):
        text = open(path, encoding="utf-8", errors="replace").read()
        if limit is None and save(out, "text", text.encode()):
            count += 1
        for form in module_forms(text):
            if limit is not None and (len(form) > 600 or count >= limit):
                continue
            if save(out, "text", form.encode()):
                count += 1
                if limit is not None:
                    break  # one a file
    return count


# ---------------------------------------------------------------- decode: wast2json

def decode_corpus(out, limit=None):
    wast2json = shutil.which("wast2json")
    if wast2json is None:
        print("make-corpus: wast2json (wabt) not found; no decode corpus", file=sys.stderr)
        return 0
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate(wast_files(limit)):
            work = os.path.join(tmp, str(i))
            os.makedirs(work)
            # wabt does not know every 3.0 proposal: what it cannot read is skipped.
            subprocess.run([wast2json, "--enable-all", "--no-check", path, "-o",
                            os.path.join(work, "m.json")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for n in sorted(os.listdir(work)):
                if not n.endswith(".wasm"):
                    continue
                data = open(os.path.join(work, n), "rb").read()
                if limit is not None and (len(data) > 200 or count >= limit):
                    continue
                if save(out, "decode", data):
                    count += 1
                    if limit is not None:
                        break  # one a file
    return count


# ---------------------------------------------------------------- artifact: kilnc output

# Hand-written modules that reach every part of the descriptor: imports and exports of each
# kind, tables and elements, active and passive data, globals, a start function, tags,
# two memories, and the exported memory a WASI command has.
ARTIFACT_MODULES = {
    "kinds": r'''(module
  (import "env" "h" (func $h (param i32) (result i32)))
  (import "env" "t" (table 1 funcref))
  (import "env" "g" (global $ig i64))
  (type $v (func))
  (memory (export "memory") 1 4)
  (data (i32.const 8) "hello")
  (data $p "passive")
  (global $g (export "g") (mut i32) (i32.const 1))
  (table $t (export "t") 2 10 funcref)
  (elem (table $t) (i32.const 0) func $f $s)
  (elem $pe func $f)
  (func $f (export "f") (param i32) (result i32)
    local.get 0 call $h global.get $g i32.add)
  (func $s (type $v) i32.const 0 i32.const 0 i32.const 3 memory.init $p)
  (start $s))''',
    "wasi": r'''(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\20\00\00\00\06\00\00\00")
  (data (i32.const 32) "hello\n")
  (func (export "_start")
    (drop (call $w (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 64)))
    (call $e (i32.const 0))))''',
    "exn": r'''(module
  (tag $x (export "x") (param i32))
  (memory 1) (memory $m2 (export "m2") 0 2)
  (table 1 externref)
  (global (export "c") f64 (f64.const 1.5))
  (func (export "thrower") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $x $h) (throw $x (local.get 0)))))
  (func (export "store2") (i32.store $m2 (i32.const 0) (i32.const 7)))
  (func (export "simd") (param v128) (result v128) (i32x4.add (local.get 0) (local.get 0))))''',
}


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw).returncode == 0


def artifact_corpus(out, kilnc, kiln, spec_limit, levels=("-O0", "-O2")):
    if not (kilnc and os.path.exists(kilnc)):
        print("make-corpus: no kilnc (--kilnc); no artifact corpus", file=sys.stderr)
        return 0
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        key = None
        if kiln and os.path.exists(kiln) and run([kiln, "keygen", "-o", os.path.join(tmp, "key")]):
            key = os.path.join(tmp, "key")
        sources = []
        for name, wat in ARTIFACT_MODULES.items():
            p = os.path.join(tmp, name + ".wat")
            open(p, "w").write(wat)
            sources.append(p)
        # Spec modules: the small decode seeds that kilnc accepts.
        decode_dir = os.path.join(out, "decode")
        if spec_limit and os.path.isdir(decode_dir):
            for n in sorted(os.listdir(decode_dir))[: spec_limit * 4]:
                sources.append(os.path.join(decode_dir, n))
        for src in sources:
            compiled = 0
            for level in levels:
                so = os.path.join(tmp, "a.so")
                if not run([kilnc, src, level, "-j", "1", "--progress=never", "-o", so]):
                    break
                compiled += save(out, "artifact", open(so, "rb").read())
                if key and level == "-O2" and run(
                        [kilnc, src, level, "-j", "1", "--progress=never", "--sign", key, "-o", so]):
                    compiled += save(out, "artifact", open(so, "rb").read())
            count += compiled
            if src not in sources[: len(ARTIFACT_MODULES)] and compiled:
                spec_limit -= 1
                if spec_limit <= 0:
                    break
    return count


# ---------------------------------------------------------------- wasi: call programs

# (name, parameter types) in wasi_fuzzer.cc's kFunctions order: 'i' i32, 'I' i64.
FUNCS = [
    ("args_get", "ii"), ("args_sizes_get", "ii"), ("environ_get", "ii"),
    ("environ_sizes_get", "ii"), ("clock_res_get", "ii"), ("clock_time_get", "iIi"),
    ("fd_advise", "iIIi"), ("fd_allocate", "iII"), ("fd_close", "i"), ("fd_datasync", "i"),
    ("fd_fdstat_get", "ii"), ("fd_fdstat_set_flags", "ii"), ("fd_fdstat_set_rights", "iII"),
    ("fd_filestat_get", "ii"), ("fd_filestat_set_size", "iI"), ("fd_filestat_set_times", "iIIi"),
    ("fd_pread", "iiiIi"), ("fd_prestat_get", "ii"), ("fd_prestat_dir_name", "iii"),
    ("fd_pwrite", "iiiIi"), ("fd_read", "iiii"), ("fd_readdir", "iiiIi"), ("fd_renumber", "ii"),
    ("fd_seek", "iIii"), ("fd_sync", "i"), ("fd_tell", "ii"), ("fd_write", "iiii"),
    ("path_create_directory", "iii"), ("path_filestat_get", "iiiii"),
    ("path_filestat_set_times", "iiiiIIi"), ("path_link", "iiiiiii"),
    ("path_open", "iiiiiIIii"), ("path_readlink", "iiiiii"), ("path_remove_directory", "iii"),
    ("path_rename", "iiiiii"), ("path_symlink", "iiiii"), ("path_unlink_file", "iii"),
    ("poll_oneoff", "iiii"), ("proc_exit", "i"), ("proc_raise", "i"), ("random_get", "ii"),
    ("sched_yield", ""), ("sock_accept", "iii"), ("sock_recv", "iiiiii"), ("sock_send", "iiiii"),
    ("sock_shutdown", "ii"), ("sandbox.drop", "i"), ("sandbox.capabilities", ""),
    ("sandbox.narrow", "ii"),
]
INDEX = {name: i for i, (name, _) in enumerate(FUNCS)}
ALL_RIGHTS = (1 << 30) - 1


class Prog:
    def __init__(self, openat2=True):
        self.b = bytearray([0 if openat2 else 1])

    def a32(self, v):
        v &= 0xFFFFFFFF
        if v < 256:
            self.b += bytes([0, v])
        elif v < 65536:
            self.b += bytes([4]) + struct.pack("<H", v)
        else:
            self.b += bytes([7]) + struct.pack("<I", v)

    def a64(self, v):
        v &= (1 << 64) - 1
        if v < 256:
            self.b += bytes([0, v])
        elif v < (1 << 32):
            self.b += bytes([2]) + struct.pack("<I", v)
        else:
            self.b += bytes([3]) + struct.pack("<Q", v)

    def call(self, name, *args):
        i = INDEX[name]
        types = FUNCS[i][1]
        assert len(args) == len(types), name
        self.b.append(i)
        for t, v in zip(types, args):
            self.a64(v) if t == "I" else self.a32(v)
        return self

    def mem(self, addr, data):
        for k in range(0, len(data), 255):
            chunk = data[k:k + 255]
            self.b += bytes([0xE1]) + struct.pack("<H", addr + k) + bytes([len(chunk)]) + chunk
        return self

    def mem_end(self, back, data):
        """`data` at `back` bytes before the memory's end (1 <= back <= 256)."""
        self.b += bytes([0xE0, back - 1, len(data)]) + data
        return self

    def u32(self, addr, v):
        self.b += bytes([0xF0]) + struct.pack("<H", addr)
        self.a32(v)
        return self

    def grow(self, pages):
        self.b += bytes([0xF8, pages])
        return self

    def filter(self, addr, n):
        self.b += bytes([0xFC]) + struct.pack("<H", addr) + bytes([n])
        return self

    # Helpers: a path string at `addr`; open `path` through `dirfd` (result fd at 60).
    def path(self, addr, s):
        return self.mem(addr, s.encode())

    def open(self, dirfd, s, oflags=0, rights=ALL_RIGHTS, fdflags=0, lookup=1):
        self.path(1000, s)
        return self.call("path_open", dirfd, lookup, 1000, len(s), oflags, rights, rights, fdflags, 60)

    def iov(self, at, buf, n):
        return self.u32(at, buf).u32(at + 4, n)


def wasi_programs():
    progs = {}
    p = Prog()
    p.call("args_sizes_get", 0, 4).call("args_get", 100, 200)
    p.call("environ_sizes_get", 8, 12).call("environ_get", 300, 400)
    p.call("fd_prestat_get", 3, 16).call("fd_prestat_dir_name", 3, 500, 4)
    p.call("fd_prestat_get", 4, 16).call("fd_prestat_dir_name", 4, 500, 2)
    progs["args-env-prestat"] = p

    for openat2 in (True, False):
        p = Prog(openat2)
        p.open(3, "new.txt", oflags=1)
        p.mem(400, b"hello, box").iov(300, 400, 10).call("fd_write", 5, 300, 1, 20)
        p.call("fd_seek", 5, 0, 0, 24).call("fd_tell", 5, 28)
        p.iov(300, 600, 64).call("fd_read", 5, 300, 1, 20)
        p.call("fd_pwrite", 5, 300, 1, 3, 20).call("fd_pread", 5, 300, 1, 2, 20)
        p.call("fd_filestat_get", 5, 700).call("fd_fdstat_get", 5, 800)
        p.call("fd_fdstat_set_flags", 5, 1).call("fd_fdstat_set_rights", 5, 0xFF, 0)
        p.call("fd_advise", 5, 0, 10, 1).call("fd_allocate", 5, 0, 100)
        p.call("fd_filestat_set_size", 5, 5).call("fd_filestat_set_times", 5, 1, 2, 0b0101)
        p.call("fd_datasync", 5).call("fd_sync", 5).call("fd_close", 5)
        p.call("fd_readdir", 3, 2000, 512, 0, 24).call("fd_readdir", 3, 2000, 64, 2, 24)
        progs["file-rw" + ("" if openat2 else "-walk")] = p

        p = Prog(openat2)
        for s in ("rel_out", "abs_out", "up/secret.txt", "../secret.txt", "/box/file.txt",
                  "a/b/link_up_in", "a/b/link_to_ro", "loop1", "abs_root/secret.txt",
                  "a/../../box/file.txt", "link_in", "etc/passwd", "a/b/deep.txt/", ""):
            p.open(3, s)
            p.open(3, s, lookup=0)
        progs["escapes" + ("" if openat2 else "-walk")] = p

        p = Prog(openat2)
        p.path(1000, "../../x").path(1100, "s")
        p.call("path_symlink", 1000, 7, 3, 1100, 1)
        p.call("path_readlink", 3, 1100, 1, 1200, 64, 24)
        p.path(1300, "file.txt").path(1400, "hard")
        p.call("path_link", 3, 0, 1300, 8, 3, 1400, 4)
        p.path(1500, "a/moved")
        p.call("path_rename", 3, 1400, 4, 3, 1500, 7)
        p.call("path_filestat_get", 3, 1, 1500, 7, 1600)
        p.call("path_filestat_set_times", 3, 0, 1500, 7, 5, 6, 0b1010)
        p.call("path_unlink_file", 3, 1500, 7)
        p.path(1700, "newdir").call("path_create_directory", 3, 1700, 6)
        p.call("path_remove_directory", 3, 1700, 6)
        p.path(1800, "rel_out").call("path_rename", 3, 1800, 7, 4, 1300, 8)
        progs["path-ops" + ("" if openat2 else "-walk")] = p

    p = Prog()
    p.open(4, "data.txt", rights=ALL_RIGHTS).open(4, "data.txt", rights=2)
    p.iov(300, 400, 64).call("fd_read", 5, 300, 1, 20).call("fd_write", 5, 300, 1, 20)
    p.path(1700, "newdir").call("path_create_directory", 4, 1700, 6)
    p.path(1800, "out").call("path_filestat_get", 4, 1, 1800, 3, 1600)
    p.open(4, "out").open(4, "sub", oflags=2)
    progs["read-only"] = p

    p = Prog()
    # Subscriptions (48 bytes): a relative clock, an fd read on stdin, an fd write on fd 1.
    sub = struct.pack("<QB7xIIQQH6x", 1, 0, 1, 0, 1000, 0, 0)
    sub += struct.pack("<QB7xI28x", 2, 1, 0)
    sub += struct.pack("<QB7xI28x", 3, 2, 1)
    sub += struct.pack("<QB7xIIQQH6x", 4, 0, 0, 0, 1, 0, 1)  # absolute realtime
    p.mem(2000, sub).call("poll_oneoff", 2000, 3000, 4, 24)
    p.call("clock_time_get", 0, 1, 32).call("clock_time_get", 1, 0, 32)
    p.call("clock_res_get", 2, 40).call("clock_res_get", 9, 40)
    p.call("random_get", 100, 4096).call("sched_yield")
    p.call("fd_fdstat_get", 1, 800).call("fd_renumber", 3, 9).call("fd_renumber", 9, 0)
    p.call("sock_accept", 3, 0, 24).call("sock_recv", 0, 300, 1, 0, 24, 28)
    p.call("sock_send", 1, 300, 1, 0, 24).call("sock_shutdown", 1, 3)
    p.call("proc_raise", 0)
    progs["misc"] = p

    p = Prog()
    # kiln_sandbox.narrow: grants {path, len, perms} at 3000.
    p.path(1000, "/box/a").path(1100, "/ro")
    p.u32(3000, 1000).u32(3004, 6).u32(3008, 1).u32(3012, 1100).u32(3016, 3).u32(3020, 7)
    p.call("sandbox.narrow", 3000, 2).call("sandbox.capabilities")
    p.open(3, "a/b/deep.txt").open(3, "file.txt").open(3, "a/b/link_up_in")
    p.call("sandbox.drop", 1).open(3, "a/b/deep.txt")
    p.call("sandbox.drop", 0x7F).call("random_get", 0, 16).call("clock_time_get", 0, 0, 0)
    progs["sandbox"] = p

    p = Prog()
    p.mem(100, b"plain \x1b[31mred\x1b]0;title\x07 \x9b2J \xc2\x9b \xe2\x82 \x7f\xf0\x9f\x98\x80\r\n\t")
    p.filter(100, 40).filter(140, 3).filter(143, 20)
    p.iov(300, 100, 60).call("fd_write", 1, 300, 1, 24)
    progs["terminal"] = p

    p = Prog()
    end = 65536 * 2
    p.grow(1).mem_end(16, struct.pack("<II", end - 8, 8) + b"12345678")
    p.call("fd_write", 1, end - 16, 1, end - 4)
    p.call("fd_write", 1, end - 16, 2, 24).call("args_get", 0xFFFFFFF0, 0)
    p.call("random_get", end - 4, 8).call("proc_exit", 3).call("sched_yield")
    progs["edges"] = p
    return {k: bytes(v.b) for k, v in progs.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kilnc", default=os.path.join(ROOT, "build", "bin", "kilnc"))
    ap.add_argument("--kiln", default=os.path.join(ROOT, "build", "bin", "kiln"))
    ap.add_argument("--seeds", action="store_true", help="the small committed seed set")
    ap.add_argument("--only", help="one target (decode, text, artifact, wasi)")
    args = ap.parse_args()
    small = args.seeds
    targets = [args.only] if args.only else ["decode", "text", "artifact", "wasi"]
    for t in targets:
        if t == "decode":
            n = decode_corpus(args.out, limit=40 if small else None)
        elif t == "text":
            n = text_corpus(args.out, limit=40 if small else None)
        elif t == "artifact":
            n = artifact_corpus(args.out, args.kilnc, args.kiln, spec_limit=0 if small else 60,
                                levels=("-O2",) if small else ("-O0", "-O2"))
        else:
            n = sum(save(args.out, "wasi", data) for data in wasi_programs().values())
        print(f"make-corpus: {t}: {n} inputs in {os.path.join(args.out, t)}")


if __name__ == "__main__":
    main()
