;; call_indirect through a table: wrong signature, null slot, index past the end; and
;; table.get out of bounds.
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm -o %t.so
;; RUN: %kiln run %t.so --invoke call 0 | FileCheck %s --check-prefix=OK
;; OK: 42
;; RUN: %expect-trap "indirect call type mismatch" -- %kiln run %t.so --invoke call 1
;; RUN: %expect-trap "uninitialized element" -- %kiln run %t.so --invoke call 2
;; RUN: %expect-trap "undefined element" -- %kiln run %t.so --invoke call 3
;; RUN: %expect-trap "undefined element" -- %kiln run %t.so --invoke call 0xFFFFFFFF
;; RUN: %expect-trap "out of bounds table access" -- %kiln run %t.so --invoke get 3
(module
  (type $ret_i32 (func (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $answer $wrong)
  (func $answer (result i32) (i32.const 42))
  (func $wrong (param i32) (result i32) (local.get 0))
  (func (export "call") (param i32) (result i32) (call_indirect (type $ret_i32) (local.get 0)))
  (func (export "get") (param i32) (result i32) (ref.is_null (table.get 0 (local.get 0)))))
