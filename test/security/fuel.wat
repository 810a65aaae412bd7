;; --fuel stops a guest at the same point on every run: the loop writes one "x" per
;; iteration through WASI, and two runs with the same fuel print the same number of them
;; before the trap "all fuel consumed". More fuel, further. Without `kilnc --fuel` the
;; operator gets a clear error, not a silent run.
;; RUN: %wat2wasm %s -o %t.wasm && %kilnc %t.wasm --fuel -o %t.so
;; RUN: %expect-trap --stdout %t.a "all fuel consumed" -- %kiln run %t.so --fuel 20000
;; RUN: %expect-trap --stdout %t.b "all fuel consumed" -- %kiln run %t.so --fuel 20000
;; RUN: %expect-trap --stdout %t.c "all fuel consumed" -- %kiln run %t.so --fuel 40000
;; RUN: cmp %t.a %t.b
;; RUN: wc -c < %t.a | FileCheck %s --check-prefix=SOME
;; SOME: {{^[1-9][0-9]+$}}
;; RUN: not cmp -s %t.a %t.c
;; RUN: %kilnc %t.wasm -o %t.nofuel.so
;; RUN: not %kiln run %t.nofuel.so --fuel 100 2>&1 | FileCheck %s --check-prefix=NOFUEL
;; NOFUEL: fuel needs an artifact compiled with `kilnc --fuel`
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\01\00\00\00")  ;; iovec {16, 1}
  (data (i32.const 16) "x")
  (func (export "_start")
    (loop
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br 0))))
