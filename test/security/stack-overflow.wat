;; Unbounded recursion, with small and with large frames, is caught before the native
;; stack is exhausted: trap "call stack exhausted", exit 134.
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm -o %t.so
;; RUN: %expect-trap "call stack exhausted" -- %kiln run %t.so --invoke recurse 0
;; RUN: %expect-trap "call stack exhausted" -- %kiln run %t.so --invoke mutual 0
;; RUN: %expect-trap "call stack exhausted" -- %kiln run %t.so --invoke big_frames 0
;; The same in an --isolate child (the trap handler runs under its seccomp filter).
;; RUN: %expect-trap "call stack exhausted" -- %kiln run %t.so --isolate --invoke recurse 0
(module
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $a (export "mutual") (param i32) (call $b (local.get 0)))
  (func $b (param i32) (call $a (local.get 0)))
  ;; Many live values force a large spill frame on every level.
  (func $big (export "big_frames") (param i32) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64)
    (local.set 1 (i64.extend_i32_u (local.get 0)))
    (local.set 2 (i64.mul (local.get 1) (i64.const 3)))
    (local.set 3 (i64.mul (local.get 2) (i64.const 5)))
    (local.set 4 (i64.mul (local.get 3) (i64.const 7)))
    (local.set 5 (i64.mul (local.get 4) (i64.const 11)))
    (i64.add (call $big (i32.add (local.get 0) (i32.const 1)))
      (i64.add (local.get 1) (i64.add (local.get 2) (i64.add (local.get 3) (i64.add (local.get 4) (local.get 5))))))))
