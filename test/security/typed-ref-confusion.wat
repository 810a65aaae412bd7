;; Typed function references must not open a type confusion: signatures that differ only
;; in the function type behind a (ref $t) parameter get different signature ids, so a
;; call_indirect through the wrong one traps instead of calling a function that would then
;; use the reference at the wrong type (call_ref with another native signature).
;; RUN: %kilnc %s -o %t.so
;; RUN: %kiln run %t.so --invoke honest | FileCheck %s --check-prefix=OK
;; OK: 7
;; RUN: %expect-trap "indirect call type mismatch" -- %kiln run %t.so --invoke confuse
;; RUN: %expect-trap "null function reference" -- %kiln run %t.so --invoke null_call
(module
  (type $a (func (param i32) (result i32)))
  (type $b (func (param i64 i64 i64 i64 i64 i64 i64 i64) (result i32)))
  (type $takes_a (func (param (ref $a)) (result i32)))
  (type $takes_b (func (param (ref $b)) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $use_b $use_a)
  (elem declare func $fa)
  (func $fa (type $a) (i32.add (local.get 0) (i32.const 6)))
  ;; Calls its argument as a $b: 8 i64 arguments, some on the stack.
  (func $use_b (type $takes_b)
    (call_ref $b (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
                 (i64.const 6) (i64.const 7) (i64.const 8) (local.get 0)))
  (func $use_a (type $takes_a) (call_ref $a (i32.const 1) (local.get 0)))
  (func (export "honest") (result i32)
    (call_indirect (type $takes_a) (ref.func $fa) (i32.const 1)))
  ;; Slot 0 holds $use_b; calling it as $takes_a with a $a function must trap.
  (func (export "confuse") (result i32)
    (call_indirect (type $takes_a) (ref.func $fa) (i32.const 0)))
  (func (export "null_call") (result i32)
    (call_ref $a (i32.const 1) (ref.null $a)))
)
