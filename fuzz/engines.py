"""Runs one module through both engines and compares them: shared by fuzz/run (the
campaign) and fuzz/check (one case, and the predicate wasm-reduce uses).

A case (a dict, saved as case.json next to every divergence) says how to run a module:
    kind      'ttf' (binaryen -ttf module) or 'spec' (a module of the spec suites)
    set       the feature set's name (fuzz/run's FEATURE_SETS)
    flags     binaryen feature flags for the module (wasm-opt --denan, wasm-reduce)
    seed      the plan's seed (plan.py), rounds, pool (arguments seen in the .wast)
    opt       kilnc optimisation level
"""

import os
import re
import signal
import subprocess
from dataclasses import dataclass, field

import normalize
import plan as planlib
import wasmbin

# Imports the harnesses provide (fuzz/exec): binaryen's logging and the spec's spectest.
SPECTEST = {("spectest", n) for n in ("print", "print_i32", "print_i64", "print_f32",
                                      "print_f64", "print_i32_f32", "print_f64_f64",
                                      "global_i32", "global_i64", "global_f32", "global_f64",
                                      "table", "memory")}


def unprovided_import(info):
    """The first import neither harness provides, or None."""
    for imp in info.imports:
        if imp.module == "fuzzing-support" and imp.kind == "func":
            continue
        if (imp.module, imp.name) in SPECTEST:
            continue
        return f"{imp.module}.{imp.name}"
    return None


@dataclass
class Tools:
    kilnc: str
    exec: str
    node: str
    harness: str   # fuzz/exec/v8_fuzz_exec.mjs
    timeout: float = 20.0


@dataclass
class RunOutput:
    status: str          # ok | timeout | crash | rejected (V8 does not compile the module)
    lines: list = field(default_factory=list)
    detail: str = ""     # stderr tail, exit status


def run_process(cmd, timeout, stdout_path=None):
    """Runs cmd in its own process group; on timeout kills the whole group. Returns
    (status, returncode, stdout text, stderr text)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        status = "ok"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        status = "timeout"
    text = out.decode("utf-8", "replace")
    if stdout_path:
        with open(stdout_path, "w") as f:
            f.write(text)
    return status, proc.returncode, text, err.decode("utf-8", "replace")


def _lines(text):
    return [l for l in text.split("\n") if l != ""]


def run_v8(tools, wasm, plan_path, out_path):
    status, rc, out, err = run_process([tools.node, tools.harness, wasm, plan_path],
                                       tools.timeout, out_path)
    if status == "ok" and rc == 3:
        return RunOutput("rejected", _lines(out), out.strip())
    if status == "ok" and rc != 0:
        return RunOutput("crash", _lines(out), f"exit {rc}: {err[-2000:]}")
    return RunOutput(status, _lines(out), err[-2000:])


def compile_kiln(tools, wasm, so, opt):
    """Returns None on success, else (status, message)."""
    status, rc, out, err = run_process([tools.kilnc, wasm, "-o", so, f"-O{opt}", "-j1",
                                        "--progress=never"], max(tools.timeout, 120))
    if status == "timeout":
        return ("timeout", "kilnc timed out")
    if rc != 0:
        how = f"signal {-rc}" if rc < 0 else f"exit {rc}"
        return ("crash" if rc < 0 else "error", f"kilnc {how}: {err.strip()[-2000:]}")
    return None


def run_kiln(tools, so, plan_path, out_path):
    status, rc, out, err = run_process([tools.exec, so, plan_path], tools.timeout, out_path)
    if status == "ok" and rc != 0:
        how = f"signal {-rc}" if rc < 0 else f"exit {rc}"
        return RunOutput("crash", _lines(out), f"{how}: {err[-2000:]}")
    return RunOutput(status, _lines(out), err[-2000:])


@dataclass
class Outcome:
    status: str            # same | explained | diverge | skipped
    reason: str = ""       # skipped: why; diverge: the signature
    rules: tuple = ()      # normalize.py rules that fired
    verdict: object = None
    calls: int = 0
    left_out: int = 0      # exports not called (v128 signatures)
    v8: RunOutput = None
    kiln: RunOutput = None


def make_plan_file(wasm, case, plan_path):
    """Writes the plan; returns (info, calls, left_out) or raises ValueError."""
    with open(wasm, "rb") as f:
        info = wasmbin.read_module(f.read())
    text, calls, left_out = planlib.make_plan(info, case["seed"], case.get("rounds", 1),
                                              case.get("pool", ()))
    with open(plan_path, "w") as f:
        f.write(text)
    return info, calls, left_out


def evaluate(tools, wasm, case, workdir, denan_recheck=True):
    """Runs `wasm` in V8 and kiln per `case` (files go to workdir) and compares."""
    os.makedirs(workdir, exist_ok=True)
    plan_path = os.path.join(workdir, "plan.txt")
    try:
        info, calls, left_out = make_plan_file(wasm, case, plan_path)
    except (ValueError, IndexError, UnicodeDecodeError) as e:
        return Outcome("skipped", f"unreadable module ({e})")
    missing = unprovided_import(info)
    if missing:
        return Outcome("skipped", f"needs import {missing}")
    v8 = run_v8(tools, wasm, plan_path, os.path.join(workdir, "v8.out"))
    if v8.status == "rejected":
        return Outcome("skipped", "V8 rejects the module", v8=v8)
    if v8.status == "crash":
        return Outcome("diverge", "V8 harness failed", calls=calls, v8=v8)
    so = os.path.join(workdir, "m.so")
    failure = compile_kiln(tools, wasm, so, case["opt"])
    if failure:
        return Outcome("diverge", f"kilnc {failure[0]} on a module V8 accepts: "
                       + _first_line(failure[1]), calls=calls, left_out=left_out, v8=v8,
                       kiln=RunOutput(failure[0], [], failure[1]))
    kiln = run_kiln(tools, so, plan_path, os.path.join(workdir, "kiln.out"))
    if kiln.status == "crash":
        return Outcome("diverge", "kiln crashed", calls=calls, left_out=left_out, v8=v8, kiln=kiln)
    verdict = normalize.compare(v8.lines, kiln.lines, v8.status, kiln.status)
    outcome = Outcome(verdict.status, verdict.signature() if verdict.status == "diverge" else "",
                      verdict.rules_used, verdict, calls, left_out, v8, kiln)
    if (denan_recheck and verdict.status == "diverge"
            and normalize.nan_recheck_allowed(verdict, v8.lines, kiln.lines)):
        denan = os.path.join(workdir, "denan.wasm")
        status, rc, _, _ = run_process(["wasm-opt", wasm, "--denan", "-o", denan] + case["flags"],
                                       120)
        if status == "ok" and rc == 0:
            again = evaluate(tools, denan, case, os.path.join(workdir, "denan"), False)
            if again.status in ("same", "explained"):
                outcome.status = "explained"
                outcome.rules = tuple(sorted(set(verdict.rules_used) | {"nan-denan"}))
                outcome.reason = ""
    return outcome


def _first_line(text):
    """kilnc's error without the file name, byte offset and function index, so that one
    cause groups under one signature (and stays the same while wasm-reduce works)."""
    line = text.strip().split("\n")[0]
    line = re.sub(r"^kilnc (exit \d+|signal \d+): ", "", line)
    line = re.sub(r"^kilnc: error: [^:]*: ", "", line)
    line = re.sub(r" at byte 0x[0-9a-f]+", "", line)
    return re.sub(r" in (function|global|element|data) \d+( \$\S+)?", "", line)
