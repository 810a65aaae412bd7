;; kiln run --perf-map: `perf report` on a compute-heavy module shows Wasm function names.
;; REQUIRES: perf
;; RUN: %wat2wasm --debug-names %s -o %t.wasm && %kilnc %t.wasm -O1 -o %t.so
;; RUN: perf record -q -o %t.data -- %kiln run --perf-map %t.so --invoke fib 30 | FileCheck %s --check-prefix=RESULT
;; RESULT: 832040
;; RUN: perf report -i %t.data --stdio --sort symbol 2>/dev/null | FileCheck %s
;; CHECK: wasm:fib
(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2))))))))
