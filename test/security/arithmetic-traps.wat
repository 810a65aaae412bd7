;; Division traps and trapping conversions end as spec traps, never SIGFPE.
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm -o %t.so
;; RUN: %expect-trap "integer divide by zero" -- %kiln run %t.so --invoke div 1 0
;; RUN: %expect-trap "integer overflow" -- %kiln run %t.so --invoke div -2147483648 -1
;; RUN: %expect-trap "integer divide by zero" -- %kiln run %t.so --invoke rem 1 0
;; RUN: %kiln run %t.so --invoke rem -2147483648 -1 | FileCheck %s --check-prefix=REM
;; REM: 0
;; RUN: %expect-trap "invalid conversion to integer" -- %kiln run %t.so --invoke trunc nan
;; RUN: %expect-trap "integer overflow" -- %kiln run %t.so --invoke trunc 3e9
;; RUN: %expect-trap "unreachable" -- %kiln run %t.so --invoke unreachable
(module
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "unreachable") unreachable))
