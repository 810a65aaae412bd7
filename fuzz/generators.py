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
