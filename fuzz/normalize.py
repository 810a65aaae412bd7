"""The one place that says which differences between V8 and kiln are not bugs.

Both harnesses print raw observations (fuzz/exec/kiln_fuzz_exec.cc describes the lines).
`compare` walks the two outputs line by line and calls lines equal only when they are
identical or one of the rules below says the difference is allowed. Each rule says why
the difference is harmless per the spec; nothing else is ever ignored, and a module is
never skipped because of its output. The campaign report counts how often each rule
fired (`Verdict.rule`).

Rules:

  nan-bits       A float value (returned, logged, or in a global) that is a NaN on both
                 sides compares equal whatever its sign and payload. The spec lets an
                 operation on NaNs return any arithmetic NaN ("NaN propagation",
                 Numerics 4.3.3), and values that cross into JS (V8's side) become JS
                 numbers, whose NaN bits ToJSValue need not keep. A NaN on one side
                 only is a divergence.

  trap-text      Trap lines compare by kind, not by wording. V8 words traps its own way,
                 and some V8 messages cover several spec traps: "float unrepresentable in
                 integer range" is both "integer overflow" and "invalid conversion to
                 integer" (V8 has one message for both float-to-int traps); "null
                 function or function signature mismatch" is both "indirect call type
                 mismatch" and "uninitialized element"; "table index is out of bounds"
                 is both "undefined element" and "out of bounds table access". kiln's
                 spec text must be one of the spec traps V8_TRAPS gives for V8's message.
                 A trap on one side only, or a kiln trap outside that set, is a
                 divergence.

  stack-limit    The spec leaves the call depth at which the stack is exhausted to the
                 implementation. When V8 exhausts its stack (RangeError) and everything
                 before agrees, the rest of the module is not compared: kiln, with a
                 larger stack, may go deeper, and what a deeper run writes to memory
                 differs legitimately. When both exhaust, the same holds (each engine
                 stopped at its own depth). kiln exhausting its stack where V8 did not is
                 a divergence (kiln's limit should be the larger one).

  both-hung      Both engines passed the time limit: the outputs are compared up to the
                 shorter one; the spec says nothing about time. kiln passing the limit
                 while V8 finished is a divergence.

  ref-hung       V8 passed the time limit and kiln finished, with the same output up to
                 where V8 stopped: what kiln printed after that has no reference to be
                 compared with, and the spec says nothing about time. LLVM computes some
                 loops in closed form (the 3.0 suite's `count` by tail calls from
                 2^63 - 1 returns at once under kiln, and runs for hours in V8). The
                 report counts these modules, so a rise in them is visible.

  skip-text      "skip" lines (a call the harness could not make) compare by kind: each
                 harness words the reason its own way.

  link-text      "instantiate error" lines (link errors) compare by kind, for the same
                 reason.

  nan-denan      Applied by fuzz/run, not here: a divergence in values or memory (not in
                 traps, and with the same lines on both sides) is re-checked on the same
                 module instrumented with binaryen's --denan pass, which turns every NaN
                 into 0 where it is produced, with the same plan. If that module agrees in
                 full, the difference came from a NaN's bits (spec-nondeterministic, as
                 above) having reached memory, an integer (reinterpret) or a sign
                 (copysign), and the divergence is counted under this rule.
                 `nan_recheck_allowed` says which divergences qualify: those whose first
                 difference is a value (the same kind of line on both sides, not a trap),
                 so never a trap on one side only (the dead-load class of bug).
                 Known limit: binaryen 108's --denan leaves v128 values alone, so a
                 NaN from a SIMD operation that reaches memory is not explained here
                 (fuzz/REPORT.md, #10313); such a divergence is classified by hand.
"""

from dataclasses import dataclass

# V8 11.3's trap messages (RuntimeError.message) -> the spec traps each may stand for.
V8_TRAPS = {
    "unreachable": {"unreachable"},
    "memory access out of bounds": {"out of bounds memory access"},
    "divide by zero": {"integer divide by zero"},
    "remainder by zero": {"integer divide by zero"},
    "divide result unrepresentable": {"integer overflow"},
    "float unrepresentable in integer range": {"integer overflow", "invalid conversion to integer"},
    "table index is out of bounds": {"undefined element", "out of bounds table access"},
    "null function or function signature mismatch": {"indirect call type mismatch",
                                                      "uninitialized element"},
    "data segment out of bounds": {"out of bounds memory access"},
    "element segment out of bounds": {"out of bounds table access"},
    "table access out of bounds": {"out of bounds table access"},
    "dereferencing a null pointer": {"null function reference", "null reference"},
    "uncaught exception": {"uncaught exception"},
    "Maximum call stack size exceeded": {"call stack exhausted"},
}
STACK_EXHAUSTED_V8 = "Maximum call stack size exceeded"
STACK_EXHAUSTED_KILN = "call stack exhausted"


def _is_nan(value):
    """True for an 'f32:bits' / 'f64:bits' token whose bits are a NaN."""
    if value.startswith("f32:"):
        bits = int(value[4:], 16)
        return bits & 0x7F800000 == 0x7F800000 and bits & 0x7FFFFF != 0
    if value.startswith("f64:"):
        bits = int(value[4:], 16)
        return bits & (0x7FF << 52) == 0x7FF << 52 and bits & ((1 << 52) - 1) != 0
    return False


def _nan_tokens(line):
    """Rule nan-bits: a NaN value token becomes 'f32:nan' / 'f64:nan'."""
    words = line.split(" ")
    return " ".join(w[:3] + ":nan" if _is_nan(w) else w for w in words)


def kind(line):
    """The first word(s) that say what a line is: 'call', 'result', 'trap', 'mem', ..."""
    if line is None:
        return "end"
    words = line.split(" ")
    if words[0] == "instantiate":
        return " ".join(words[:2])
    return words[0]


def trap_text(line):
    for prefix in ("trap ", "instantiate trap "):
        if line.startswith(prefix):
            return line[len(prefix):]
    return None


def lines_equal(ref, kiln):
    """Returns the name of the rule that made the lines equal ('' if identical), or None."""
    if ref == kiln:
        return ""
    if ref is None or kiln is None:
        return None
    if _nan_tokens(ref) == _nan_tokens(kiln):
        return "nan-bits"
    ref_trap, kiln_trap = trap_text(ref), trap_text(kiln)
    if ref_trap is not None and kiln_trap is not None and kind(ref) == kind(kiln):
        if kiln_trap in V8_TRAPS.get(ref_trap, ()):
            return "trap-text"
        return None
    if kind(ref) == kind(kiln) == "skip":
        return "skip-text"
    if kind(ref) == kind(kiln) == "instantiate error":
        return "link-text"
    return None


@dataclass
class Verdict:
    status: str          # same | explained | diverge
    rule: str = ""       # the rule that explained it (explained), or a short cause (diverge)
    index: int = -1      # first differing line
    ref_line: str = None
    kiln_line: str = None
    rules_used: tuple = ()  # every rule that made some pair of lines equal

    def signature(self):
        """A short, stable description of the divergence, used to group divergences and as
        the output wasm-reduce keeps constant while reducing."""
        if self.status != "diverge":
            return self.status
        if self.rule:
            return self.rule
        ref_trap = trap_text(self.ref_line) if self.ref_line is not None else None
        kiln_trap = trap_text(self.kiln_line) if self.kiln_line is not None else None
        if ref_trap is not None and kiln_trap is None:
            return f"V8 traps ({ref_trap}), kiln does not"
        if kiln_trap is not None and ref_trap is None:
            return f"kiln traps ({kiln_trap}), V8 does not"
        if ref_trap is not None:
            return f"V8 traps ({ref_trap}), kiln traps ({kiln_trap})"
        if kind(self.ref_line) == kind(self.kiln_line):
            return f"different {kind(self.ref_line)}"
        return f"v8: {kind(self.ref_line)} / kiln: {kind(self.kiln_line)}"


def compare(ref_lines, kiln_lines, ref_status="ok", kiln_status="ok"):
    """Compares two harness outputs. *_status: 'ok' or 'timeout' (a crash is decided by
    the caller). Returns a Verdict."""
    used = set()
    n = max(len(ref_lines), len(kiln_lines))
    if ref_status == "timeout" and kiln_status == "timeout":
        n = min(len(ref_lines), len(kiln_lines))
    for i in range(n):
        ref = ref_lines[i] if i < len(ref_lines) else None
        kiln = kiln_lines[i] if i < len(kiln_lines) else None
        rule = lines_equal(ref, kiln)
        ref_trap = trap_text(ref) if ref is not None else None
        kiln_trap = trap_text(kiln) if kiln is not None else None
        if ref_trap == STACK_EXHAUSTED_V8 and (rule is not None or kiln_trap != STACK_EXHAUSTED_KILN):
            # Rule stack-limit: V8 ran out of stack here; nothing after it is comparable.
            return Verdict("explained", "stack-limit", i, ref, kiln,
                           tuple(sorted(used | {"stack-limit"})))
        if rule is None:
            if kiln is None and kiln_status == "timeout" and ref_status == "ok":
                return Verdict("diverge", "kiln timed out (V8 finished)", i, ref, kiln)
            if ref is None and ref_status == "timeout" and kiln_status == "ok":
                # Rule ref-hung: nothing left to compare kiln's output with.
                return Verdict("explained", "ref-hung", i, ref, kiln,
                               tuple(sorted(used | {"ref-hung"})))
            return Verdict("diverge", "", i, ref, kiln, tuple(sorted(used)))
        if rule:
            used.add(rule)
    if ref_status == "timeout" and kiln_status == "timeout":
        return Verdict("explained", "both-hung", n, None, None, tuple(sorted(used | {"both-hung"})))
    if ref_status != kiln_status:
        if kiln_status == "timeout":
            return Verdict("diverge", "kiln timed out after the same output", n)
        return Verdict("explained", "ref-hung", n, None, None, tuple(sorted(used | {"ref-hung"})))
    if used:
        return Verdict("explained", ",".join(sorted(used)), -1, None, None, tuple(sorted(used)))
    return Verdict("same")


def nan_recheck_allowed(verdict, ref_lines, kiln_lines):
    """Rule nan-denan may only explain a divergence whose first difference is in a value:
    the same kind of line on both sides, and not a trap. Later differences (a trap, a
    branch taken differently) may follow from that value; the check on the --denan module
    decides whether they did."""
    if verdict.status != "diverge" or verdict.rule:
        return False
    ref, kiln = verdict.ref_line, verdict.kiln_line
    if ref is None or kiln is None or kind(ref) != kind(kiln):
        return False
    return trap_text(ref) is None and trap_text(kiln) is None
