#!/usr/bin/env python3
"""Unit tests of fuzz/normalize.py: each rule explains what it says and nothing more
(ctest fuzz.normalize)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from normalize import compare  # noqa: E402

HEAD = ["instantiate ok", "call f", "result i32:00000001", "call g"]


class Compare(unittest.TestCase):
    def test_identical_outputs_are_the_same(self):
        self.assertEqual(compare(HEAD, HEAD).status, "same")

    def test_a_different_result_diverges(self):
        v = compare(HEAD + ["result i32:00000002"], HEAD + ["result i32:00000003"])
        self.assertEqual((v.status, v.index), ("diverge", 4))

    def test_nan_payloads_are_explained(self):
        v = compare(HEAD + ["result f32:7fc00000"], HEAD + ["result f32:7fa00001"])
        self.assertEqual((v.status, v.rules_used), ("explained", ("nan-bits",)))

    def test_a_nan_against_a_number_diverges(self):
        v = compare(HEAD + ["result f32:7fc00000"], HEAD + ["result f32:3f800000"])
        self.assertEqual(v.status, "diverge")

    def test_v8s_conversion_message_covers_both_spec_traps(self):
        ref = HEAD + ["trap float unrepresentable in integer range"]
        for kiln_trap in ("integer overflow", "invalid conversion to integer"):
            self.assertEqual(compare(ref, HEAD + [f"trap {kiln_trap}"]).status, "explained")
        self.assertEqual(compare(ref, HEAD + ["trap unreachable"]).status, "diverge")

    def test_a_trap_on_one_side_only_diverges(self):
        v = compare(HEAD + ["trap memory access out of bounds"], HEAD + ["result i32:00000000"])
        self.assertEqual(v.status, "diverge")
        self.assertIn("V8 traps", v.signature())

    def test_both_hung_compares_the_common_part(self):
        self.assertEqual(compare(HEAD, HEAD + ["result i32:00000005"], "timeout", "timeout").status,
                         "explained")
        v = compare(HEAD[:3] + ["call h"], HEAD, "timeout", "timeout")
        self.assertEqual(v.status, "diverge")

    def test_kiln_hanging_where_v8_finished_diverges(self):
        v = compare(HEAD + ["result i32:00000005"], HEAD, "ok", "timeout")
        self.assertEqual(v.status, "diverge")
        self.assertIn("kiln timed out", v.signature())
        self.assertEqual(compare(HEAD, HEAD, "ok", "timeout").status, "diverge")

    def test_v8_hanging_where_kiln_finished_is_explained_after_the_same_output(self):
        # The 3.0 suite's `count` from 2^63 - 1: kiln returns at once, V8 runs for hours.
        v = compare(HEAD, HEAD + ["result i64:0000000000000000"], "timeout", "ok")
        self.assertEqual((v.status, v.rule), ("explained", "ref-hung"))
        self.assertEqual(compare(HEAD, HEAD, "timeout", "ok").rule, "ref-hung")
        # ... but not when they disagree before V8 stopped.
        v = compare(HEAD + ["result i32:00000002"], HEAD + ["result i32:00000003", "call h"],
                    "timeout", "ok")
        self.assertEqual(v.status, "diverge")


if __name__ == "__main__":
    unittest.main()
