"""Call plans: which exports both engines call, in which order, with which arguments.

A plan is a text file both harnesses read (format in fuzz/exec/kiln_fuzz_exec.cc):

    import MODULE NAME PARAMS           types the JS API does not reflect
    export NAME func PARAMS RESULTS
    export NAME global TYPE
    call NAME ARG...

A plan depends only on the module's exports, a seed and an argument pool, and each
call's arguments only on (seed, export name, round), so that the plan of a reduced
module (wasm-reduce removes functions and exports) still calls the surviving exports
with the same arguments.

Arguments never hold a NaN other than the canonical one: a NaN's payload need not
survive the JS-to-Wasm conversion (ToWebAssemblyValue), so the engines could be handed
different values. Exports with a v128 parameter or result are not called: JS cannot
call them in V8 11.3 (TypeError); the module's own code still runs them (binaryen's
*_invoker functions call them). Neither is an export with an empty name (names.wast).
"""

import hashlib
import random
import struct

# binaryen -ttf modules: reset the hang budget before every call, so that each call gets
# the same number of loop iterations and calls in both engines whatever came before.
HANG_LIMIT_EXPORT = "hangLimitInitializer"

F32_SPECIAL = [0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x3F000000, 0x7F800000,
               0xFF800000, 0x7FC00000, 0x00000001, 0x80000001, 0x007FFFFF, 0x7F7FFFFF,
               0x4F000000, 0xCF000000, 0x4F800000, 0x5F000000, 0xDF000000, 0x5F800000,
               0x3EFFFFFF, 0x4B000000, 0xCB000001]
F64_SPECIAL = [0x0, 0x8000000000000000, 0x3FF0000000000000, 0xBFF0000000000000,
               0x3FE0000000000000, 0x7FF0000000000000, 0xFFF0000000000000,
               0x7FF8000000000000, 0x1, 0x000FFFFFFFFFFFFF, 0x7FEFFFFFFFFFFFFF,
               0x41E0000000000000, 0xC1E0000000000000, 0x41F0000000000000,
               0x43E0000000000000, 0xC3E0000000000000, 0x43F0000000000000,
               0x41DFFFFFFFC00000, 0xC1E0000000200000]
I32_SPECIAL = [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 100, 255, 256, 1023, 1024,
               0xFFFF, 0x10000, 0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, 0x80000000, 0x80000001,
               0xFFFFFFF0, 65532, 65533, 65535, 65536, 131072]
I64_SPECIAL = [0, 1, 2, 3, 8, 63, 64, 100, 0xFFFFFFFF, 0x100000000, 0xFFFFFFFFFFFFFFFF,
               0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0x8000000000000001, 0x7FFFFFFF,
               0x80000000, 65536]


def call_rng(seed, name, round_):
    digest = hashlib.sha256(f"{seed}\0{name}\0{round_}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "little"))


def _no_nan_payload(bits, exp_mask, mant_mask, canonical):
    if bits & exp_mask == exp_mask and bits & mant_mask:
        return canonical
    return bits


def random_value(rng, type_, pool=()):
    """A plan argument of `type_` ('i32:0000002a' form); None if it cannot be passed."""
    candidates = [v for v in pool if v.startswith(type_ + ":")]
    if type_ in ("funcref", "externref"):
        return "ref:null"
    if candidates and rng.random() < 0.4:
        value = rng.choice(candidates)
        t, bits = value.split(":")
        if t == "f32":
            bits = f"{_no_nan_payload(int(bits, 16), 0x7F800000, 0x7FFFFF, 0x7FC00000):08x}"
        elif t == "f64":
            bits = f"{_no_nan_payload(int(bits, 16), 0x7FF << 52, (1 << 52) - 1, 0x7FF8 << 48):016x}"
        return f"{t}:{bits}"
    roll = rng.random()
    if type_ == "i32":
        v = (rng.choice(I32_SPECIAL) if roll < 0.5 else rng.randrange(-64, 64) & 0xFFFFFFFF
             if roll < 0.8 else rng.getrandbits(32))
        return f"i32:{v:08x}"
    if type_ == "i64":
        v = (rng.choice(I64_SPECIAL) if roll < 0.5 else rng.randrange(-64, 64) & (2**64 - 1)
             if roll < 0.8 else rng.getrandbits(64))
        return f"i64:{v:016x}"
    if type_ == "f32":
        if roll < 0.5:
            v = rng.choice(F32_SPECIAL)
        elif roll < 0.8:
            v = struct.unpack("<I", struct.pack("<f", rng.uniform(-1000, 1000)))[0]
        else:
            v = _no_nan_payload(rng.getrandbits(32), 0x7F800000, 0x7FFFFF, 0x7FC00000)
        return f"f32:{v:08x}"
    if type_ == "f64":
        if roll < 0.5:
            v = rng.choice(F64_SPECIAL)
        elif roll < 0.8:
            v = struct.unpack("<Q", struct.pack("<d", rng.uniform(-1e6, 1e6)))[0]
        else:
            v = _no_nan_payload(rng.getrandbits(64), 0x7FF << 52, (1 << 52) - 1, 0x7FF8 << 48)
        return f"f64:{v:016x}"
    return None


def encode_name(name):
    out = []
    for b in name.encode("utf-8"):
        c = chr(b)
        out.append(c if c.isascii() and (c.isalnum() or c in "_.-") else f"%{b:02x}")
    return "".join(out)


def _types(ts):
    return ",".join(ts) if ts else "-"


def callable_from_js(ft):
    return all(t in ("i32", "i64", "f32", "f64", "funcref", "externref")
               for t in ft.params + ft.results)


def make_plan(info, seed, rounds=1, pool=(), zero_fraction=0.3):
    """Returns (plan text, number of calls, number of exports left out)."""
    lines = []
    for imp in info.imports:
        if imp.kind == "func":
            lines.append(f"import {encode_name(imp.module)} {encode_name(imp.name)} "
                         f"{_types(imp.type.params)}")
    for exp in info.exports:
        if exp.kind == "func":
            lines.append(f"export {encode_name(exp.name)} func {_types(exp.type.params)} "
                         f"{_types(exp.type.results)}")
        elif exp.kind == "global":
            lines.append(f"export {encode_name(exp.name)} global {exp.type}")
    names = {e.name for e in info.exports if e.kind == "func"}
    reset = HANG_LIMIT_EXPORT in names
    calls, left_out = 0, 0
    funcs = [e for e in info.exports if e.kind == "func" and e.name != HANG_LIMIT_EXPORT]
    for round_ in range(rounds):
        for exp in funcs:
            if not callable_from_js(exp.type) or exp.name == "":  # "" cannot be a plan word
                left_out += round_ == 0
                continue
            rng = call_rng(seed, exp.name, round_)
            zeros = rng.random() < zero_fraction
            args = []
            for t in exp.type.params:
                args.append(random_value(rng, t, pool) if not zeros else
                            {"i32": "i32:00000000", "i64": "i64:0000000000000000",
                             "f32": "f32:00000000", "f64": "f64:0000000000000000"}.get(t, "ref:null"))
            if reset:
                lines.append(f"call {HANG_LIMIT_EXPORT}")
            lines.append(" ".join(["call", encode_name(exp.name)] + args))
            calls += 1
    return "\n".join(lines) + "\n", calls, left_out
