"""Where the fuzzer's modules come from.

ttf:  binaryen's translate-to-fuzz (`wasm-opt -ttf`) turns random bytes into a valid module
      with the given features. Its modules import binaryen's "fuzzing-support" logging
      functions and export functions, their *_invoker callers, hashMemory, memory and
      hangLimitInitializer (a budget of loop iterations and calls that keeps them finite).
spec: the modules of the spec suites' .wast scripts (extracted with wabt's wast2json),
      whose exports the plan calls with random arguments, also drawn from the arguments
      the script itself uses with that module.
"""

import glob
import json
import os
import subprocess

import engines
import wasmbin

BINARYEN_BASE = ["--mvp-features"]


def generate_ttf(rng, flags, workdir, size_range=(1000, 12000)):
    """Writes a -ttf module to workdir/m.wasm; returns its path, or None if wasm-opt fails."""
    os.makedirs(workdir, exist_ok=True)
    raw = os.path.join(workdir, "input.bin")
    wasm = os.path.join(workdir, "m.wasm")
    with open(raw, "wb") as f:
        f.write(rng.randbytes(rng.randint(*size_range)))
    r = subprocess.run(["wasm-opt", "-ttf", raw, "-o", wasm] + BINARYEN_BASE + flags,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return wasm if r.returncode == 0 else None


def _value_token(v):
    """A wast2json argument as a plan value ('i32:0000002a'), or None."""
    t = v.get("type")
    value = v.get("value")
    if t not in ("i32", "i64", "f32", "f64") or not isinstance(value, str) or not value.isdigit():
        return None
    digits = 8 if t in ("i32", "f32") else 16
    return f"{t}:{int(value):0{digits}x}"


class SpecCorpus:
    """The modules of the .wast files under the given suites, extracted once into a cache."""

    def __init__(self, suites, cache_dir):
        self.entries = []      # dicts: wasm, pool, origin, suite
        self.skipped = {}      # reason -> count (modules not usable)
        self.files = 0
        self.files_failed = []  # .wast files wast2json cannot read
        for suite_name, suite_dir, wast_flags in suites:
            for wast in sorted(glob.glob(os.path.join(suite_dir, "*.wast")) +
                               glob.glob(os.path.join(suite_dir, "simd", "*.wast"))):
                self.files += 1
                self._add_file(suite_name, wast, wast_flags, cache_dir)

    def _add_file(self, suite, wast, flags, cache_dir):
        stem = os.path.splitext(os.path.basename(wast))[0]
        sub = "simd-" if os.path.basename(os.path.dirname(wast)) == "simd" else ""
        out_dir = os.path.join(cache_dir, suite, sub + stem)
        json_path = os.path.join(out_dir, "m.json")
        if not os.path.exists(json_path):
            os.makedirs(out_dir, exist_ok=True)
            r = subprocess.run(["wast2json", wast, "-o", json_path] + flags,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if r.returncode != 0:
                if os.path.exists(json_path):
                    os.remove(json_path)
                self.files_failed.append(f"{suite}/{sub}{stem}")
                return
        with open(json_path) as f:
            commands = json.load(f)["commands"]
        current = None
        for c in commands:
            if c["type"] == "module":
                current = {"wasm": os.path.join(out_dir, c["filename"]), "pool": [],
                           "origin": f"{suite}/{sub}{stem}.wast:{c['line']}", "suite": suite}
                self._accept(current)
            elif current is not None and "action" in c:
                for a in c["action"].get("args", []):
                    tok = _value_token(a)
                    if tok and tok not in current["pool"]:
                        current["pool"].append(tok)

    def _accept(self, entry):
        try:
            with open(entry["wasm"], "rb") as f:
                info = wasmbin.read_module(f.read())
        except (OSError, ValueError, IndexError, UnicodeDecodeError):
            self._skip("cannot be read (GC types or not binary)")
            return
        missing = engines.unprovided_import(info)
        if missing:
            self._skip("needs imports the harnesses do not provide")
            return
        if not any(e.kind == "func" for e in info.exports) and not info.has_start:
            self._skip("runs no code (no function exports, no start function)")
            return
        self.entries.append(entry)

    def _skip(self, reason):
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def suite_entries(self, suite):
        return [e for e in self.entries if e["suite"] == suite]


# ---- trap-state: what memory and globals hold when a call traps ----
# -ttf modules rarely store to a location, trap, and store there again, or count in a
# global through a loop that traps; 7,942 of them never showed that an optimiser may
# delete or delay such stores. These small modules are made of exactly that: stores to
# the exported memory and globals mixed with loads whose addresses (from the arguments)
# may be out of bounds, straight-line, in branches and in loops. The plan calls every
# export with addresses near the end of memory; the state after each call, trap or not,
# is compared.

TRAP_STATE_POOL = [f"i32:{v & 0xFFFFFFFF:08x}" for v in (
    0, 1, 4, 7, 8, 33, 63, 64, 8191, 8192, 60000, 65520, 65528, 65532, 65533, 65536, 65540,
    70000, 0x7FFFFFF0, -4, -8)]


class _TrapStateWriter:
    def __init__(self, rng):
        self.rng = rng

    def addr(self, loop):
        r = self.rng
        choices = ["(i32.const {})".format(r.choice([0, 8, 16, 24, 64, 128, 65528, 65536, 70000])),
                   "(local.get $a)", "(local.get $b)",
                   "(i32.and (local.get $a) (i32.const 0xfff8))"]
        if loop:
            stride = r.choice([4, 8, 1024, 8192])
            choices += [f"(i32.add (local.get $a) (i32.mul (local.get $i) (i32.const {stride})))",
                        f"(i32.mul (local.get $i) (i32.const {stride}))"] * 2
        return r.choice(choices)

    def value(self):
        r = self.rng
        return r.choice([f"(i32.const {r.randrange(1, 1000)})", "(local.get $s)",
                         "(global.get $g0)", "(i32.add (local.get $s) (i32.const 1))"])

    def stmt(self, depth, loop):
        r = self.rng
        kinds = ["store", "store", "load", "load", "global", "global64", "store8"]
        if depth < 2:
            kinds += ["if", "loop"] if not loop else ["if"]
        k = r.choice(kinds)
        off = r.choice([0, 0, 4, 8])
        if k == "store":
            return f"(i32.store offset={off} {self.addr(loop)} {self.value()})"
        if k == "store8":
            return f"(i32.store8 {self.addr(loop)} {self.value()})"
        if k == "load":
            load = r.choice(["i32.load", "i32.load8_u", "i32.load16_s"])
            if r.random() < 0.5:
                return f"(local.set $s (i32.add (local.get $s) ({load} offset={off} {self.addr(loop)})))"
            return f"(drop ({load} offset={off} {self.addr(loop)}))"
        if k == "global":
            return f"(global.set $g0 (i32.add (global.get $g0) (i32.const {r.randrange(1, 9)})))"
        if k == "global64":
            return "(global.set $g1 (i64.add (global.get $g1) (i64.extend_i32_u (local.get $s))))"
        if k == "if":
            return (f"(if (i32.and (local.get $a) (i32.const {r.choice([1, 2, 4])})) "
                    f"(then {self.block(depth + 1, loop)}) (else {self.block(depth + 1, loop)}))")
        # A loop of at most 63 iterations ($b & 63), counting in $i.
        return ("(local.set $i (i32.const 0)) (block $done (loop $next "
                "(br_if $done (i32.ge_u (local.get $i) (i32.and (local.get $b) (i32.const 63)))) "
                f"{self.block(depth + 1, True)} "
                "(local.set $i (i32.add (local.get $i) (i32.const 1))) (br $next)))")

    def block(self, depth, loop):
        return " ".join(self.stmt(depth, loop) for _ in range(self.rng.randint(1, 4)))

    def module(self):
        funcs = []
        for k in range(self.rng.randint(2, 5)):
            funcs.append(f'(func (export "f{k}") (param $a i32) (param $b i32) (result i32) '
                         f"(local $s i32) (local $i i32) {self.block(0, False)} (local.get $s))")
        return ("(module (memory (export \"memory\") 1) "
                "(global $g0 (export \"g0\") (mut i32) (i32.const 0)) "
                "(global $g1 (export \"g1\") (mut i64) (i64.const 0))\n  "
                + "\n  ".join(funcs) + ")\n")


def generate_trap_state(rng, workdir):
    """Writes a trap-state module to workdir/m.wasm; returns (path, argument pool) or (None, [])."""
    os.makedirs(workdir, exist_ok=True)
    wat = os.path.join(workdir, "m.wat")
    wasm = os.path.join(workdir, "m.wasm")
    with open(wat, "w") as f:
        f.write(_TrapStateWriter(rng).module())
    r = subprocess.run(["wat2wasm", wat, "-o", wasm], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return (wasm, TRAP_STATE_POOL) if r.returncode == 0 else (None, [])
