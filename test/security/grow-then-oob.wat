;; After memory.grow the new pages are usable and the access just past the new end, and one
;; straddling it, still trap.
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm -o %t.so
;; RUN: %kiln run %t.so --invoke grow_and_load 131068 | FileCheck %s --check-prefix=OK
;; OK: 0
;; RUN: %expect-trap "out of bounds memory access" -- %kiln run %t.so --invoke grow_and_load 131069
;; RUN: %expect-trap "out of bounds memory access" -- %kiln run %t.so --invoke grow_and_load 131072
(module
  (memory 1 4)
  (func (export "grow_and_load") (param i32) (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.load (local.get 0))))
